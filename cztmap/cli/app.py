"""The ``cztmap`` command line: a thin layer over the public API.

Exit codes: 0 success, 1 data error or no route (:class:`~cztmap.errors.DataError`,
:class:`~cztmap.errors.NoRouteError`), 2 usage error (bad argument, unknown station),
3 unexpected internal error, 130 interrupted. Errors are one sentence on stderr; ``--debug``
shows the traceback. Every file written goes through an atomic rename: no half-written output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse already printed
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    from cztmap._progress import set_enabled

    set_enabled(not (getattr(args, "quiet", False) or getattr(args, "json", False)))
    try:
        return _dispatch(args, parser)
    except CztmapError as exc:
        if args.debug:
            raise
        print(f"cztmap: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cztmap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an unexpected failure: one line, traceback only with --debug
        if args.debug:
            raise
        print(
            f"cztmap: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback and report it)",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
