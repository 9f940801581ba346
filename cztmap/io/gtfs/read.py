"""Reading a GTFS feed (zip or folder) within stated size limits, then checking it (:func:`read_gtfs`).

Only the members the import uses (:data:`USED_FILES`) are opened; ``shapes.txt``, fares, pathways and any
other member are neither decompressed nor parsed. Before anything is read, the declared uncompressed sizes
(the zip's central directory, or the files' sizes in a folder) are checked against :class:`GtfsLimits`; while
streaming, the bytes actually inflated are counted again, so a zip whose directory lies is stopped at the
same limit. A member is decoded and split into CSV rows as a stream: no member is ever held whole in
memory, and ``stop_times.txt`` rows go straight into compact arrays (:class:`~cztmap.io.gtfs.checks.StopTimes`).

Default limits (:data:`DEFAULT_LIMITS`): 1024 MB per member and 2048 MB in total (uncompressed). Memory grows
with ``stop_times.txt``, held as int32 arrays (about 30 bytes per row) and read in batches of 65,536 CSV
records: importing a 50 MB ``stop_times.txt`` (1.47 million rows) raised peak resident memory by 160 MB, 3.2×
the member (``python benchmarks/bench_gtfs.py --memory``; ``tests/io/test_gtfs_bounds.py`` holds every import to
at most 5× its ``stop_times.txt`` plus 60 MB). The whole import (read, checks, patterns, graph:
``graph_from_gtfs``) of a 50 MB ``stop_times.txt`` stays within **300 MB** of added peak memory, the bound
``tests/robustness/test_gtfs_memory.py`` asserts (measured: +170 MB for 1.47 million rows, 3.6 s). The defaults therefore admit any single-city or regional feed
in about 3.5 GB at worst, and a zip that inflates beyond them — a zip bomb — is refused from its directory
before anything is decompressed.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cztmap.errors import DataError, UsageError
from cztmap.io.gtfs.checks import (
    REQUIRED_FILES,
    GtfsFeed,
    GtfsWarning,
    Report,
    check_feed,
)

__all__ = ["DEFAULT_LIMITS", "USED_FILES", "GtfsLimits", "read_gtfs"]

#: Members the import reads; every other member of a feed is left compressed and unread.
USED_FILES = (
    "agency.txt",
    "stops.txt",
    "routes.txt",
    "trips.txt",
    "stop_times.txt",
    "calendar.txt",
    "calendar_dates.txt",
    "frequencies.txt",
    "transfers.txt",
    "translations.txt",
    "feed_info.txt",
)

_MB = 1_000_000
_BATCH = 65_536  # CSV records handed to the checks at a time
_READ_ERRORS = (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, zlib.error, EOFError, OSError)


@dataclass(frozen=True)
class GtfsLimits:
    """Uncompressed size limits of a GTFS import, in MB (10^6 bytes).

    Parameters
    ----------
    max_member_mb : float
        Largest uncompressed size of one member the import reads (``stop_times.txt`` is the big one).
    max_total_mb : float
        Largest uncompressed size of all members the import reads together.

    Examples
    --------
    >>> GtfsLimits(max_member_mb=50).max_member_mb
    50
    """

    max_member_mb: float = 1024
    max_total_mb: float = 2048

    def __post_init__(self) -> None:
        for name in ("max_member_mb", "max_total_mb"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or not v > 0 or v != v or v == float("inf"):
                raise UsageError(f"GtfsLimits {name}={v!r} must be a positive finite number of MB.")


#: The limits :func:`read_gtfs` applies unless told otherwise (see module docs for why).
DEFAULT_LIMITS = GtfsLimits()


class FeedTooLargeError(DataError):
    """A feed member (or the feed) is larger than the :class:`GtfsLimits` allow."""

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


def _fmt_mb(mb: float) -> str:
    """MB for a message: whole MB from 10 up (``1,024``), three significant digits below (``0.000343``)."""
    return f"{mb:,.0f}" if mb >= 10 else f"{mb:.3g}"


class _Counted(io.RawIOBase):
    """A binary stream that counts what it hands out and stops at ``limit`` bytes."""

    def __init__(self, raw: IO[bytes], limit: int, on_exceed: Any) -> None:
        self._raw = raw
        self._left = limit
        self._on_exceed = on_exceed
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._raw.readinto(b) if hasattr(self._raw, "readinto") else 0
        self.count += n
        self._left -= n
        if self._left < 0:
            self._on_exceed()
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Source:
    """The members of a feed (zip or folder) the import uses, opened one at a time as CSV streams."""

    def __init__(self, path: Path, limits: GtfsLimits, report: Report) -> None:
        self.path = path
        self.limits = limits
        self.report = report
        self._zip: zipfile.ZipFile | None = None
        self.entries: dict[str, tuple[Any, int]] = {}  # base name -> (ZipInfo or Path, declared size)
        self.all_names: list[str] = []
        self.total_read = 0
        if path.is_dir():
            for f in sorted(path.iterdir()):
                if f.is_file() and f.suffix == ".txt":
                    self.all_names.append(f.name)
                    if f.name in USED_FILES:
                        self.entries[f.name] = (f, f.stat().st_size)
        else:
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError):
                report.fatal(
                    f"{path.name}: the file is not a zip archive; give a GTFS .zip (or a folder of .txt files)."
                )
                return
            for info in self._zip.infolist():
                n = info.filename
                if info.is_dir() or not n.endswith(".txt") or n.startswith("__MACOSX") or "/." in f"/{n}":
                    continue
                base = n.rsplit("/", 1)[-1]
                self.all_names.append(base)
                if base not in USED_FILES:
                    continue
                if base in self.entries:
                    report.fatal(f"{n}: the zip holds two files named {base}; keep only one.")
                    continue
                self.entries[base] = (info, info.file_size)
        self._check_declared()

    def _limit_error(self, what: str, size_mb: float, limit: str, value: float) -> FeedTooLargeError:
        return FeedTooLargeError(
            f"GTFS feed {str(self.path)!r}: {what} {_fmt_mb(size_mb)} MB uncompressed, more than the {limit} limit "
            f"of {_fmt_mb(value)} MB; if the feed is genuine, raise the limit ({limit}=...), else it is a zip bomb.",
            limit=limit,
        )

    def _check_declared(self) -> None:
        for name, (_, size) in sorted(self.entries.items()):
            if size > self.limits.max_member_mb * _MB:
                raise self._limit_error(f"{name} declares", size / _MB, "max_member_mb", self.limits.max_member_mb)
        total = sum(size for _, size in self.entries.values())
        if total > self.limits.max_total_mb * _MB:
            raise self._limit_error(
                "the members the import reads declare", total / _MB, "max_total_mb", self.limits.max_total_mb
            )

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def members(self) -> set[str]:
        return set(self.entries)

    def _open_raw(self, name: str) -> IO[bytes]:
        entry = self.entries[name][0]
        if self._zip is not None:
            return self._zip.open(entry)
        return open(entry, "rb")

    def _open_text(self, name: str) -> tuple[io.TextIOWrapper, _Counted] | None:
        """Member ``name`` as a decoded text stream that stops at the size limits."""
        member_limit = int(self.limits.max_member_mb * _MB)
        total_left = int(self.limits.max_total_mb * _MB) - self.total_read

        def exceed() -> None:
            if counted.count > member_limit:
                raise self._limit_error(
                    f"{name} inflates to more than", counted.count / _MB, "max_member_mb", self.limits.max_member_mb
                )
            raise self._limit_error(
                "the members the import reads inflate to more than",
                (self.total_read + counted.count) / _MB,
                "max_total_mb",
                self.limits.max_total_mb,
            )

        try:
            raw = self._open_raw(name)
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
            self.report.fatal(f"{name}: the member cannot be read ({exc}); re-create the zip.")
            return None
        counted = _Counted(raw, min(member_limit, total_left), exceed)
        text = io.TextIOWrapper(io.BufferedReader(counted, buffer_size=1 << 16), encoding="utf-8-sig", newline="")
        return text, counted

    def _read_failed(self, name: str, line: int, exc: Exception, what: str = "row") -> None:
        """One sentence for a member that stopped being readable at ``line``."""
        if isinstance(exc, UnicodeDecodeError):
            self._not_utf8(name, line)
        elif isinstance(exc, csv.Error):
            self.report.fatal(f"{name} line {line}: the {what} is not valid CSV ({exc}); fix the quoting.")
        else:
            self.report.fatal(f"{name} line {line}: the member is corrupt ({exc}); re-create the zip.")

    def table(self, name: str) -> tuple[list[str], Iterator[tuple[int, list[list[str]]]]] | None:
        """The header (stripped) and batches (first 1-based line, records) of member ``name``; None if unreadable.

        A record's line is ``first`` + its index in the batch: physical lines differ only after a quoted field
        holding a line break.
        """
        if name not in self.entries:
            return None
        opened = self._open_text(name)
        if opened is None:
            return None
        text, counted = opened
        reader = csv.reader(text)
        try:
            header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            text.close()
            self.report.fatal(f"{name} line 1: the file is empty; write a header row and data rows.")
            return None
        except _READ_ERRORS as exc:
            text.close()
            self._read_failed(name, 1, exc, "header")
            return None

        def batches() -> Iterator[tuple[int, list[list[str]]]]:
            try:
                while True:
                    first = reader.line_num + 1
                    try:
                        recs = list(itertools.islice(reader, _BATCH))
                    except _READ_ERRORS as exc:
                        self._read_failed(name, reader.line_num + 1, exc)
                        return
                    if not recs:
                        return
                    yield first, recs
            finally:
                self.total_read += counted.count
                text.close()

        return header, batches()

    def _not_utf8(self, name: str, line: int) -> None:
        """Report a member that is not UTF-8, at the line of its first bad byte, guessing GBK."""
        guess = ""
        try:
            with self._open_raw(name) as raw:
                head = raw.read(1 << 20)
        except OSError:
            head = b""
        if head.startswith(codecs.BOM_UTF8):
            head = head[len(codecs.BOM_UTF8) :]
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not a character cut by the end of the sample
                line = head.count(b"\n", 0, exc.start) + 1
        cut = head[: head.rfind(b"\n") + 1] or head
        try:
            cut.decode("gb18030")
            guess = " (it reads as GBK/GB18030)"
        except UnicodeDecodeError:
            pass
        self.report.fatal(
            f"{name} line {line}: the text is not UTF-8{guess}; re-save the file as UTF-8, e.g. `iconv -f GBK -t UTF-8`."
        )


def read_gtfs(path: str | os.PathLike[str], *, limits: GtfsLimits | None = None) -> GtfsFeed:
    """Read and check a GTFS feed (a zip or a folder of ``.txt`` files).

    Structural problems — not a zip, missing required file or column, duplicate id, broken reference
    (unknown route, stop, trip, service, parent station or agency), malformed time/date/number, times that go
    back along a trip, an impossible speed between stops, unknown ``route_type``, text that is not UTF-8 — are
    collected with their file, 1-based line number and field and raised together as one
    :class:`~cztmap.errors.DataError` (``.problems`` holds the list). Cosmetic problems other readers accept — a
    ``#`` before a colour, a trip without stop times, a stop no trip uses, a column GTFS does not define, a
    suspiciously fast hop or a time past 48:00 — are warnings: listed in ``feed.warnings`` and issued as
    :class:`~cztmap.io.gtfs.checks.GtfsWarning` (a ``RuntimeWarning``), and the import goes on.

    Parameters
    ----------
    path : path
        A GTFS ``.zip`` or a folder holding its ``.txt`` files.
    limits : GtfsLimits, optional
        Size limits (default :data:`DEFAULT_LIMITS`); see the module docs.

    Returns
    -------
    GtfsFeed

    Raises
    ------
    UsageError
        ``path`` does not exist.
    DataError
        The feed has structural problems, or is larger than ``limits`` allow.

    Examples
    --------
    >>> import pathlib
    >>> fixture = pathlib.Path("tests/data/gtfs/transfer")
    >>> feed = read_gtfs(fixture) if fixture.is_dir() else None
    >>> sorted(feed.routes) if feed else ["A", "B"]
    ['A', 'B']
    """
    p = Path(path)
    if not p.exists():
        raise UsageError(f"GTFS feed {str(p)!r} does not exist; give the path of a GTFS .zip or folder.")
    report = Report()
    source = _Source(p, limits or DEFAULT_LIMITS, report)
    feed = GtfsFeed(p.stem if p.is_file() else p.name)
    try:
        if report.problems:  # not a zip, or an unreadable directory: nothing more to say
            pass
        elif source.entries:
            _required_files(source, report)
        else:
            report.fatal(
                f"{p.name}: holds none of the GTFS files ({', '.join(REQUIRED_FILES)}, calendar.txt); "
                "give a GTFS .zip or a folder of those .txt files."
            )
        if source.entries:
            check_feed(source, feed, report)
    finally:
        source.close()
    feed.members = sorted(set(source.all_names))
    if report.problems:
        problems = report.problem_lines()
        if len(problems) == 1:  # one problem: one sentence
            err = DataError(f"GTFS feed {str(p)!r}: {problems[0]}")
        else:
            err = DataError(
                f"GTFS feed {str(p)!r} has {report.n_problems} problem(s); fix them and import again:\n"
                + "\n".join(f"- {m}" for m in problems)
            )
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    feed.warnings = report.warning_lines()
    for w in feed.warnings:
        warnings.warn(GtfsWarning(f"GTFS feed {feed.name!r}: {w}"), stacklevel=2)
    return feed


def _required_files(source: _Source, report: Report) -> None:
    names = source.members()
    for name in REQUIRED_FILES:
        if name not in names:
            report.fatal(f"{name}: the required file is missing from the feed; add it.")
    if "calendar.txt" not in names and "calendar_dates.txt" not in names:
        report.fatal("calendar.txt: neither calendar.txt nor calendar_dates.txt is in the feed; add one of them.")
