"""Atomic file output: write to a temporary file in the same folder, then rename.

A reader never sees a half-written file, and an interrupted write (an exception, Ctrl-C, SIGTERM)
leaves the old file intact and removes the temporary ``.part`` file.

Operating-system failures become one-sentence :class:`~cztmap.errors.CztmapError` messages naming
the final path (:func:`os_error`): a missing or non-folder parent, a name too long for the file
system, no permission, a read-only or full disk, a working folder that was deleted.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cztmap.errors import CztmapError, DataError, UsageError

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "check_writable", "os_error"]

#: Free bytes below which a failed write is reported as a full disk.
_FULL_DISK_BYTES = 1 << 20


def _cwd_gone() -> bool:
    try:
        os.getcwd()
    except OSError:
        return True
    return False


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def os_error(exc: OSError, path: str | os.PathLike[str] | None = None, *, argument: str = "output") -> CztmapError:
    """One-sentence error for an operating-system failure on ``path`` (usage errors exit 2, the rest 1).

    Parameters
    ----------
    exc : OSError
        The failure.
    path : path-like, optional
        The file the user named (default: the file in ``exc``).
    argument : str
        How the command line calls that path.

    Returns
    -------
    CztmapError
        :class:`UsageError` for a path the user can fix (missing or non-folder parent, name too long,
        a folder given as a file), :class:`DataError` for the environment (permission, full or
        read-only disk, deleted working folder, anything else).

    Examples
    --------
    >>> import errno
    >>> str(os_error(OSError(errno.ENOSPC, "No space left on device"), "out/map.html"))
    "No space left on the disk holding 'out/map.html' (the output); free some space or write elsewhere."
    """
    p = str(path if path is not None else (exc.filename or "?"))
    what = f"{p!r} (the {argument})"
    code = exc.errno
    if code == errno.ENOENT and _cwd_gone():
        return DataError(
            f"The working folder no longer exists (it was deleted or unmounted), so {p!r} cannot be written; "
            "cd to an existing folder and run again."
        )
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        return DataError(f"No space left on the disk holding {what}; free some space or write elsewhere.")
    if code == errno.EFBIG:
        return DataError(f"The file {what} is larger than the file system allows; write it elsewhere.")
    if code in (errno.EACCES, errno.EPERM):
        return DataError(f"Permission denied writing {what}; choose a folder you can write to or fix its permissions.")
    if code == errno.EROFS:
        return DataError(f"The disk holding {what} is read-only; write it elsewhere.")
    if code == errno.ENAMETOOLONG:
        return UsageError(f"The file name {what} is too long for the file system; choose a shorter name.")
    if code == errno.ENOTDIR:
        return UsageError(f"A parent of {what} is a file, not a folder; choose a path inside a folder.")
    if code == errno.EISDIR:
        return UsageError(f"The {argument} path {p!r} is a folder; give a file name inside it.")
    if code == errno.ENOENT:
        return UsageError(f"The folder of {what} does not exist (any more); create it or choose another path.")
    if code in (errno.EMFILE, errno.ENFILE):
        return DataError(f"Too many open files while writing {what}; raise the limit (ulimit -n) and run again.")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return DataError(f"The operating system refused to write {what}: {reason}; check the disk and the path.")


def _parent_problem(p: Path, argument: str) -> UsageError | None:
    """Why the folder of ``p`` cannot hold a file: a component that is a file, or missing folders."""
    folder = p.parent if str(p.parent) else Path(".")
    if folder.is_dir():
        return None
    for anc in [folder, *folder.parents]:
        if anc.exists() and not anc.is_dir():
            return UsageError(
                f"The {argument} path {str(p)!r} goes through {str(anc)!r}, which is a file, not a folder; "
                "choose a path inside a folder."
            )
        if anc.is_dir():
            break
    if _cwd_gone() and not p.is_absolute():
        return UsageError(
            f"The working folder no longer exists (it was deleted), so the {argument} path {str(p)!r} "
            "cannot be written; cd to an existing folder and run again."
        )
    return UsageError(f"The folder of the {argument} path {str(p)!r} does not exist; create {str(folder)!r} first.")


def check_writable(path: str | os.PathLike[str], *, argument: str = "output") -> Path:
    """Return ``path`` as a Path if a file can be created there, else raise a one-sentence error.

    Raises
    ------
    UsageError
        Empty path, a folder, a missing parent folder, a parent that is a file, a name too long.
    DataError
        The folder is not writable, or the working folder was deleted.

    Examples
    --------
    >>> check_writable("/no/such/folder/out.html")
    Traceback (most recent call last):
    ...
    cztmap.errors.UsageError: The folder of the output path '/no/such/folder/out.html' does not exist; create '/no/such/folder' first.
    """
    if not str(path).strip():
        raise UsageError(f"The {argument} path is empty; give a file name.")
    if "\x00" in str(path):
        raise UsageError(f"The {argument} path {str(path)!r} contains a NUL character; give a plain file name.")
    p = Path(path)
    try:
        is_dir = p.is_dir()
    except OSError as exc:  # ENAMETOOLONG, ELOOP, ...
        raise os_error(exc, p, argument=argument) from None
    if is_dir:
        raise UsageError(f"The {argument} path {str(p)!r} is a folder; give a file name such as {str(p / 'out')!r}.")
    problem = _parent_problem(p, argument)
    if problem is not None:
        raise problem
    folder = p.parent if str(p.parent) else Path(".")
    limit = _name_max(folder)
    if len(os.fsencode(p.name)) > limit:
        raise UsageError(
            f"The {argument} file name {p.name[:40]!r}… is {len(os.fsencode(p.name))} bytes, longer than the "
            f"{limit} the file system allows; choose a shorter name."
        )
    if not os.access(folder, os.W_OK):
        raise DataError(f"The folder {str(folder)!r} of the {argument} path is not writable; choose another path.")
    return p


def _full_disk(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < _FULL_DISK_BYTES
    except OSError:
        return False


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, argument: str = "output") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` if the block succeeds.

    The temporary file is removed whatever ends the block (an exception, KeyboardInterrupt, the
    SIGTERM the command line turns into an exception). Operating-system failures are re-raised as
    :func:`os_error` messages about ``path``.

    Parameters
    ----------
    path : path-like
        The final file.
    argument : str
        How the CLI calls this path, for error messages.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "a.txt").read_text()
    'hello'
    """
    final = check_writable(path, argument=argument)
    folder = final.parent if str(final.parent) else Path(".")
    # the temporary name adds ~14 bytes: shorten its stem so a valid final name never fails here
    stem = final.name
    room = _name_max(folder) - 16
    while len(os.fsencode(stem)) > room:
        stem = stem[:-1]
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise os_error(exc, final, argument=argument) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, final)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise os_error(exc, final, argument=argument) from exc
        if isinstance(exc, Exception) and not isinstance(exc, CztmapError) and _full_disk(folder):
            # writers that wrap the OS error in their own type (GDAL, Arrow): the disk is the cause
            raise os_error(OSError(errno.ENOSPC, "No space left on device"), final, argument=argument) from exc
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, argument: str = "output") -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_path(path, argument=argument) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, argument: str = "output") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"), argument=argument)
