"""The application layer: command and query methods per area, each taking the acting user first."""
