"""Output layer: folium maps (online and offline) and static matplotlib plots."""
