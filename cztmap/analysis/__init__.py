"""Analysis layer: matrices, isochrones, cross-city integration, criticality and network comparison."""
