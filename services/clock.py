"""The only place the services read the time, so tests can set it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


#: The platform's local time: Chinese schools keep Beijing time (UTC+8, no daylight saving).
LOCAL_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_date(moment: datetime) -> date:
    """The calendar day a moment falls on in the schools' own time, which is what "today" means."""
    return moment.astimezone(LOCAL_TIME).date()
