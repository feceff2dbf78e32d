"""Helpers for the projection tests: row dumps, and scripts run as separate processes."""
