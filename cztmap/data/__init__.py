"""Data layer: the curated layers (schema, loading, validation), the service table, scenarios, the build."""
