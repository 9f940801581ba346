"""The ``cztmap`` command line: a thin layer over the public API (parse, call, print or write)."""

from cztmap.cli.app import main

__all__ = ["main"]
