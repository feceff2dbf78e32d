"""What the API's operations answer, as types the document's schemas are written from.

Read-model rows (the projections' dataclasses) are their own schema; the answers that a view puts
together are declared here. Units are said where they differ: ``percent`` is 0–100 and rounded,
a checkpoint's ``required`` and ``actual`` are unrounded fractions 0–1.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, create_model


class Answer(BaseModel):
    """An answer's schema (answers are built as JSON by the views, never parsed)."""


class Done(Answer):
    id: UUID = Field(description="The aggregate the command created or changed")
    position: int = Field(description="Store position of the command's last event")


class ClassOpened(Done):
    class_id: str = Field(description="The class it opened (`3-1`)", examples=["3-1"])


class RecordMade(Done):
    pair_id: UUID = Field(description="The pair (the same as `id`)")
    record_id: str = Field(description="The record it made, for …/records/{record_id}/…")


class Token(Answer):
    token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds")


class Error(Answer):
    error: str = Field(description="Why, in Chinese and English (中文 / English)")
    status: int
    field: str | None = Field(
        None, description="The malformed field or parameter (400, and 422 when one is to blame)"
    )


_LISTS: dict[Any, type[Answer]] = {}


def items_of(row: Any, *, paged: bool = False) -> type[Answer]:
    """``{"items": [row, …]}`` (and ``next_before`` for a page of a feed)."""
    key = (row, paged)
    if key not in _LISTS:
        name = getattr(row, "__name__", "Row")
        fields: dict[str, Any] = {"items": (list[row], ...)}
        if paged:
            fields["next_before"] = (
                int | None,
                Field(description="Pass as `before` for the next (older) page; null on the last"),
            )
        _LISTS[key] = create_model(
            f"{name}Page" if paged else f"{name}List", __base__=Answer, **fields
        )
    return _LISTS[key]


#: An object whose shape the operation's description gives (a report's rows, a page's parts).
Open = dict[str, Any]
