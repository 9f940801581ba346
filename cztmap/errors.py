"""The cztmap exception tree.

Every error cztmap raises on purpose derives from :class:`CztmapError`, and each specific error
also subclasses the matching built-in type, so callers can catch it either way::

    CztmapError
    ├── DataError (ValueError)            a data file, feed or scenario is wrong   -> CLI exit 1
    │   └── ScenarioError                 a scenario file is wrong                  -> CLI exit 1
    ├── UsageError (ValueError)           an argument is wrong                      -> CLI exit 2
    │   └── StationNotFoundError (KeyError)  a station name or id is unknown        -> CLI exit 2
    └── NoRouteError                      no path exists between two places         -> CLI exit 1

    CztmapWarning (UserWarning)           an implausible but possible value (named by file, row, field);
                                          the CLI prints it as one ``cztmap: warning:`` line

Messages are one sentence: what is wrong, where (file, row, field or argument), and how to fix it.

Examples
--------
>>> from cztmap.errors import DataError, CztmapError
>>> issubclass(DataError, ValueError) and issubclass(DataError, CztmapError)
True
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CztmapError",
    "CztmapWarning",
    "DataError",
    "NoRouteError",
    "ScenarioError",
    "StationNotFoundError",
    "UsageError",
]


class CztmapError(Exception):
    """Base class of every error cztmap raises on purpose."""

    exit_code: int = 1


class DataError(CztmapError, ValueError):
    """A data file, feed or layer is malformed or inconsistent."""

    exit_code = 1


class ScenarioError(DataError):
    """A scenario file is malformed or refers to something that does not exist."""


class UsageError(CztmapError, ValueError):
    """An argument has a wrong value (unknown name, bad date, negative budget, ...)."""

    exit_code = 2


class StationNotFoundError(UsageError, KeyError):
    """A station name or id is not in the network.

    Parameters
    ----------
    query : str
        What the user typed.
    suggestions : sequence of str
        The closest known names, best first.
    extra : str
        Inserted after the query: what was tried or why the name is missing.
    fallback : str
        The advice when there is no suggestion (default: list the stations).
    """

    def __init__(self, query: str, suggestions: Sequence[str] = (), extra: str = "", fallback: str = "") -> None:
        self.query = query
        self.suggestions = list(suggestions)
        hint = (
            f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?"
            if self.suggestions
            else f"; {fallback or 'use `cztmap stations` to list them.'}"
        )
        super().__init__(f"Unknown station {query!r}{extra}{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class NoRouteError(CztmapError):
    """No path connects the origin to the destination in this network."""

    exit_code = 1


class CztmapWarning(UserWarning):
    """An implausible but possible value: the message names the file, row and field, and what to check."""
