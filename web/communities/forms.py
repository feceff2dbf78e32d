"""Reading the community forms: numbers, chosen ids and links, with a bilingual error for bad input;
re-rendering a page with its error, or redirecting once a command is done."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue

from services.actor import Done
from services.errors import DomainError
from web.current import parse_id, settle
from web.i18n import bilingual

_LINK = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


# Parsing forms ------------------------------------------------------------------------------


def _int(raw: str | None, what: str, *, default: int | None = None) -> int:
    text = (raw or "").strip()
    zh, en = what.split(" / ", 1)
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError as exc:
        raise DomainError(f"{zh}应为整数 / The {en} must be a whole number") from exc


def _number(raw: str | None, what: str, *, default: float) -> float:
    text = (raw or "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError as exc:
        zh, en = what.split(" / ", 1)
        raise DomainError(f"{zh}应为数字 / The {en} must be a number") from exc


def _chosen(raw: str | None, message: str) -> UUID:
    """An id chosen in a form: none chosen is a form error, a malformed one is not found."""
    if not (raw or "").strip():
        raise DomainError(message)
    return parse_id((raw or "").strip())


def _link(raw: str | None) -> str:
    text = (raw or "").strip()
    if text and not _LINK.match(text):
        raise DomainError("链接应以http://或https://开头 / A link starts with http:// or https://")
    return text


def _failed(template: str, exc: Exception, **context: Any) -> ResponseReturnValue:
    """Re-render a page with the form's error and the user's input kept."""
    context.setdefault("form", request.form)
    return render_template(template, errors=[bilingual(exc)], **context), 422


def _done(done: Done, message: str, target: str) -> ResponseReturnValue:
    settle(done.position)
    flash(bilingual(message), "ok")
    return redirect(target)


def this_school_year(today: date) -> int:
    """The school year (学年) running on a day, named by the year it started in September."""
    return today.year if today.month >= 9 else today.year - 1


def _year_arg(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None
