"""The ``cztmap`` command line: a thin layer over the public API.

Exit codes: 0 success, 1 data error or no route (:class:`~cztmap.errors.DataError`,
:class:`~cztmap.errors.NoRouteError`), 2 usage error (bad argument, unknown station),
3 unexpected internal error, 130 interrupted, 143 terminated (SIGTERM). Errors are one sentence on stderr; ``--debug``
shows the traceback. Every file written goes through an atomic rename: no half-written output.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from cztmap.cli import analysis, data, io, mapping, routing
from cztmap.cli._common import HANDLERS, Parser
from cztmap.errors import CztmapError, UsageError

__all__ = ["build_parser", "main"]

#: Kept under its old name for callers that register or replace a handler.
_HANDLERS = HANDLERS
#: Command families in the order ``cztmap --help`` lists them.
FAMILIES = (mapping, routing, data, analysis, io)


class _VersionAction(argparse.Action):
    """``--version`` that reads the installed version only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kw: object) -> None:
        super().__init__(
            option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help="show the version and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        from cztmap import __version__

        parser.exit(message=f"cztmap {__version__}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cztmap`` command."""
    p = Parser(prog="cztmap", description="Map and analyse the Chang-Zhu-Tan (长株潭) transport network.")
    p.add_argument("--version", action=_VersionAction)
    p.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or status lines on stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for family in FAMILIES:
        family.add_parsers(sub)
    return p


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cmd = args.command
    if cmd is None:
        parser.print_help(sys.stderr)
        return 2
    if cmd == "data":
        if not args.data_command:
            raise UsageError("`cztmap data` needs an action: build or validate.")
        cmd = f"data {args.data_command}"
    if cmd == "export":
        if not args.export_command:
            raise UsageError("`cztmap export` needs what to export: gtfs, layers or graph.")
        cmd = f"export {args.export_command}"
    return HANDLERS[cmd](args)


class Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM or SIGHUP (cleans up like Ctrl-C)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, _frame: Any) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    """SIGTERM/SIGHUP raise :class:`Terminated`, so ``finally`` blocks run and ``.part`` files are removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):
                old[sig] = signal.signal(sig, _on_signal)
    try:
        yield
    finally:
        for sig, handler in old.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, handler)


def _can_encode(stream: Any, text: str = "长沙→") -> bool:
    enc = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(enc)
    except (UnicodeError, LookupError):
        return False
    return True


def _fix_encodings() -> str | None:
    """Make stdout/stderr print what they cannot encode as escapes; return a note saying so (or None)."""
    bad = []
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not _can_encode(stream) and hasattr(stream, "reconfigure"):
            with contextlib.suppress(Exception):
                stream.reconfigure(errors="backslashreplace")
                bad.append(f"{name} ({stream.encoding})")
    if not bad:
        return None
    return (
        f"{' and '.join(bad)} cannot show Chinese, so names are printed as \\u escapes; "
        "set PYTHONIOENCODING=utf-8 (or a UTF-8 locale such as LC_ALL=C.UTF-8) to see them."
    )


@contextlib.contextmanager
def _warnings_as_lines(debug: bool) -> Iterator[None]:
    """Cztmap warnings print as one ``cztmap: warning:`` line; other libraries' warnings only with --debug."""
    from cztmap.errors import CztmapWarning

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        if issubclass(category, CztmapWarning):
            text = " ".join(str(message).splitlines())
            print(f"cztmap: warning: {text}", file=sys.stderr)
        elif debug:
            print(f"cztmap: warning: {category.__name__}: {message} ({filename}:{lineno})", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.simplefilter("always", CztmapWarning)
        warnings.showwarning = show
        yield


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush stays silent."""
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _error(exc: BaseException) -> str:
    return " ".join(str(exc).splitlines())  # one line, whatever a message holds


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from cztmap._atomic import os_error

    try:
        return _dispatch(args, parser)
    except CztmapError as exc:
        if args.debug:
            raise
        print(f"cztmap: error: {_error(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cztmap: interrupted", file=sys.stderr)
        return 130
    except Terminated as exc:
        print("cztmap: terminated", file=sys.stderr)
        return 128 + exc.signum
    except BrokenPipeError:  # `cztmap stations | head`: the reader left; nothing more to say
        _quiet_stdout()
        return 0
    except OSError as exc:  # a file the command wrote or read outside cztmap._atomic
        if args.debug:
            raise
        err = os_error(exc, argument="file")
        print(f"cztmap: error: {_error(err)}", file=sys.stderr)
        return err.exit_code
    except MemoryError:
        print(
            "cztmap: error: The computer ran out of memory; use a smaller area, fewer modes or points, "
            "or a machine with more memory.",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # an unexpected failure: one line, traceback only with --debug
        if args.debug:
            raise
        print(
            f"cztmap: internal error: {type(exc).__name__}: {_error(exc)} "
            "(rerun with --debug for the traceback and report it)",
            file=sys.stderr,
        )
        return 3


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Exit codes: 0 success, 1 data or environment error (including a full disk, no permission, a
    deleted working folder) or no route, 2 usage error, 3 a bug, 130 Ctrl-C, 143 SIGTERM (129 SIGHUP).
    """
    note = _fix_encodings()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse already printed
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if note:
        print(f"cztmap: warning: {note}", file=sys.stderr)
    from cztmap._progress import set_enabled

    set_enabled(not (getattr(args, "quiet", False) or getattr(args, "json", False)))
    with _signals(), _warnings_as_lines(args.debug):
        try:
            return _run(args, parser)
        except Terminated as exc:  # arrived while an error was being printed
            return 128 + exc.signum


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
