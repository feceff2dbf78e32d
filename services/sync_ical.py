"""A teacher's lessons as an iCalendar document (RFC 5545), for phone calendars to subscribe to.

Times are Beijing time, written as floating local times with the ``Asia/Shanghai`` zone named
(the zone has had no daylight saving since 1991, so one fixed VTIMEZONE is exact). A cancelled
lesson stays in the feed as CANCELLED, so a calendar that already holds it removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID


@dataclass(frozen=True)
class FeedLesson:
    lesson_id: UUID
    on: date
    start: str
    end: str
    subject: str
    grade: int
    status: str
    summary: str
    location: str
    description: str


PRODID = "-//Jiaogongti//Sync classes//ZH"
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Asia/Shanghai",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def escaped(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def folded(line: str) -> str:
    """Lines longer than 75 octets folded (CRLF and a space), never inside a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _local(lesson: FeedLesson, clock: str) -> str:
    return f"{lesson.on:%Y%m%d}T{clock.replace(':', '')}00"


def calendar(name: str, lessons: list[FeedLesson], stamp: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escaped(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
        *VTIMEZONE,
    ]
    for lesson in lessons:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{lesson.lesson_id}@jiaogongti",
            f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
            f"DTSTART;TZID=Asia/Shanghai:{_local(lesson, lesson.start)}",
            f"DTEND;TZID=Asia/Shanghai:{_local(lesson, lesson.end)}",
            f"SUMMARY:{escaped(lesson.summary)}",
            f"LOCATION:{escaped(lesson.location)}",
            "STATUS:CANCELLED" if lesson.status == "cancelled" else "STATUS:CONFIRMED",
        ]
        if lesson.description:
            lines.append(f"DESCRIPTION:{escaped(lesson.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(folded(line) + "\r\n" for line in lines)
