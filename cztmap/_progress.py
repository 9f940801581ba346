"""Progress bars on stderr and the ``cztmap`` logger (foundation: imports nothing from cztmap).

Library code reports long loops with :func:`track` (a one-line change: ``for x in track(xs, "closing")``)
and messages through :data:`logger` (``logging.getLogger("cztmap")``; silent unless the application
configures logging). Bars are drawn with ``rich`` on stderr only when stderr is a terminal and progress
is enabled; the command line turns them off with ``--quiet`` and ``--json`` (:func:`set_enabled`).
``CZTMAP_PROGRESS=1`` forces them on (for example in a notebook or a log), ``0`` off.

Examples
--------
>>> sum(track(range(3), "adding"))
3
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["enabled", "enabled_flag", "logger", "set_enabled", "status", "track"]

#: The library's logger; nothing is printed unless the application configures logging.
logger = logging.getLogger("cztmap")
logger.addHandler(logging.NullHandler())

T = TypeVar("T")
_STATE = {"enabled": True}


def set_enabled(on: bool) -> None:
    """Allow (True) or silence (False) progress bars for the rest of the process."""
    _STATE["enabled"] = bool(on)


def enabled_flag() -> bool:
    """Whether progress output is allowed at all (False after ``--quiet``/``--json``)."""
    return _STATE["enabled"]


def enabled() -> bool:
    """Whether a bar would be drawn now (allowed, and stderr is a terminal or ``CZTMAP_PROGRESS=1``)."""
    env = os.environ.get("CZTMAP_PROGRESS")
    if env is not None:
        return env.strip() not in ("", "0", "false", "no") and _STATE["enabled"]
    return _STATE["enabled"] and bool(getattr(sys.stderr, "isatty", lambda: False)())


def track(items: Iterable[T], description: str, *, total: int | None = None) -> Iterator[T]:
    """Iterate ``items``, drawing a progress bar on stderr when :func:`enabled`; otherwise just iterate."""
    if not enabled():
        yield from items
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    n: Any = total if total is not None else (len(items) if hasattr(items, "__len__") else None)  # type: ignore[arg-type]
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    console = Console(stderr=True)
    # on a terminal the bar disappears when done; in a log (forced on) its final state stays
    with Progress(*columns, console=console, transient=console.is_terminal) as bar:
        task = bar.add_task(description, total=n)
        for item in items:
            yield item
            bar.advance(task)


@contextlib.contextmanager
def status(description: str) -> Iterator[None]:
    """A spinner with the elapsed time on stderr while a single long step runs (when :func:`enabled`).

    Examples
    --------
    >>> with status("thinking"):
    ...     pass
    """
    if not enabled():
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=console.is_terminal,
    ) as bar:
        bar.add_task(description, total=None)
        yield
