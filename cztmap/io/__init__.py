"""Input/output layer: GTFS feeds, OpenStreetMap roads, and GeoPackage/GeoParquet/GraphML layers."""
