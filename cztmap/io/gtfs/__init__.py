"""GTFS: read and check any feed (bounded in memory), build the static graph or the timetable tables of a
service day from it, and write the embedded network as a feed.

Modules: :mod:`~cztmap.io.gtfs.read` (zip/folder reading with size limits), :mod:`~cztmap.io.gtfs.checks`
(structural errors versus cosmetic warnings), :mod:`~cztmap.io.gtfs.timetable` (feed → timetable tables),
:mod:`~cztmap.io.gtfs.to_graph` (feed → static graph), :mod:`~cztmap.io.gtfs.write` (export).
"""

from cztmap.io.gtfs.checks import GTFS_MODES, GtfsFeed, GtfsWarning, route_type_mode
from cztmap.io.gtfs.read import DEFAULT_LIMITS, FeedTooLargeError, GtfsLimits, read_gtfs
from cztmap.io.gtfs.timetable import service_day, timetable_tables
from cztmap.io.gtfs.to_graph import graph_from_gtfs
from cztmap.io.gtfs.write import export_gtfs, gtfs_tables, period_windows, write_gtfs

__all__ = [
    "DEFAULT_LIMITS",
    "GTFS_MODES",
    "FeedTooLargeError",
    "GtfsFeed",
    "GtfsLimits",
    "GtfsWarning",
    "export_gtfs",
    "graph_from_gtfs",
    "gtfs_tables",
    "period_windows",
    "read_gtfs",
    "route_type_mode",
    "service_day",
    "timetable_tables",
    "write_gtfs",
]
