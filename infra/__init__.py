"""Wiring: settings, the store, SQL views, the projection runner, Redis, the CLI."""
