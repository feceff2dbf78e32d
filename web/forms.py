"""Reading typed fields from forms, with messages fit to show next to the field."""

from __future__ import annotations

from datetime import date

from services.errors import DomainError


def form_date(raw: str | None, what: str) -> date:
    """A date from a form; ``what`` names the field as "中文 / English"."""
    text = (raw or "").strip()
    zh, en = what.split(" / ", 1)
    if not text:
        raise DomainError(f"请填写{zh} / Enter the {en}")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise DomainError(
            f"{zh}应为日期，如2026-03-17 / The {en} must be a date such as 2026-03-17"
        ) from exc
