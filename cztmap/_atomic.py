"""Atomic file output: write to a temporary file in the same folder, then rename.

A reader never sees a half-written file, and an interrupted write leaves the old file intact.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cztmap.errors import UsageError

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "check_writable"]


def check_writable(path: str | os.PathLike[str], *, argument: str = "output") -> Path:
    """Return ``path`` as a Path if its folder exists and is writable, else raise UsageError."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise UsageError(f"The {argument} path {str(p)!r} is a folder; give a file name such as {str(p / 'out')!r}.")
    if not folder.is_dir():
        raise UsageError(f"The folder of the {argument} path {str(p)!r} does not exist; create {str(folder)!r} first.")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"The folder {str(folder)!r} of the {argument} path is not writable; choose another path.")
    return p


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, argument: str = "output") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` if the block succeeds.

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
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
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
