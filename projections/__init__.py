"""Read models: for each, a View (its updates and queries) and a Projection (a handler per event)."""
