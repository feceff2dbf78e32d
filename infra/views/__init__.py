"""SQLAlchemy implementations of the projections' views, one module per view."""
