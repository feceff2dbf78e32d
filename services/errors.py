"""Errors the entry points translate into a message, a 403 or a 404."""

from __future__ import annotations

from domain.base import DomainError

__all__ = ["Conflict", "DomainError", "Forbidden", "NotFound", "ValidationFailed"]


class NotFound(Exception):
    """The thing does not exist for this actor (another tenant's ids answer this too)."""


class Forbidden(Exception):
    """The actor may see the thing but not do this to it."""


class Conflict(DomainError):
    """A unique name (a login name, a school code) is already taken."""


class ValidationFailed(DomainError):
    """Input that is not well formed; ``errors`` maps a field or row to its messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}
