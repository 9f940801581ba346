"""GTFS: export the embedded network as a feed, read and check any feed, and build the graph from it."""

from cztmap.io.gtfs.core import GtfsFeed, export_gtfs, graph_from_gtfs, gtfs_tables, period_windows, read_gtfs

__all__ = ["GtfsFeed", "export_gtfs", "graph_from_gtfs", "gtfs_tables", "period_windows", "read_gtfs"]
