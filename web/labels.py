"""How stored codes read on a page: stages, localities, roles, key-teacher levels, weekdays, times.

Labels are written "中文 / English" like the domain's messages, and ``bilingual`` picks the half.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint

from domain.user import SUBJECTS
from web.i18n import bilingual, is_english

STAGES = {
    "primary": "小学 / Primary",
    "junior": "初中 / Junior secondary",
    "nine_year": "九年一贯制 / Nine-year school",
}
LOCALITIES = {"urban": "城镇 / Urban", "rural": "乡村 / Rural"}
KEY_LEVELS = {
    "": "— / —",
    "county": "县级骨干 / County key teacher",
    "city": "市级骨干 / City key teacher",
    "province": "省级骨干 / Provincial key teacher",
}
ROLES = {
    "platform_admin": "平台管理员 / Platform admin",
    "bureau_admin": "教育局管理员 / Bureau admin",
    "bureau_monitor": "督导 / Monitor",
    "school_admin": "学校管理员 / School admin",
    "teacher": "教师 / Teacher",
    "expert": "教研员 / Expert",
}
WEEKDAYS = {
    1: "周一 / Mon",
    2: "周二 / Tue",
    3: "周三 / Wed",
    4: "周四 / Thu",
    5: "周五 / Fri",
    6: "周六 / Sat",
    7: "周日 / Sun",
}
SUBJECTS_EN = {
    "语文": "Chinese",
    "数学": "Maths",
    "英语": "English",
    "科学": "Science",
    "道德与法治": "Morality and law",
    "美术": "Art",
    "音乐": "Music",
    "体育": "PE",
    "信息技术": "IT",
    "班队": "Class meeting",
}

try:
    #: Every bureau of the platform is in China; times are shown in China Standard Time.
    LOCAL_TIME: Any = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # a system without tzdata
    LOCAL_TIME = timezone(timedelta(hours=8), "CST")


def _pick(table: dict[Any, str], key: Any) -> str:
    return bilingual(table[key]) if key in table else str(key)


def stage(code: str) -> str:
    return _pick(STAGES, code)


def locality(code: str) -> str:
    return _pick(LOCALITIES, code)


def key_level(code: str) -> str:
    return _pick(KEY_LEVELS, code)


def role(code: str) -> str:
    return _pick(ROLES, str(code))


def weekday(number: int) -> str:
    return _pick(WEEKDAYS, number)


def day_span(days: list[int]) -> str:
    """Weekdays as people say them: 周一至周五 for a run of three or more, else 周一、周三."""
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        first, last = WEEKDAYS[days[0]].split(" / "), WEEKDAYS[days[-1]].split(" / ")
        return bilingual(f"{first[0]}至{last[0]} / {first[1]}–{last[1]}")
    return listing(weekday(day) for day in days)


def subject(name: str) -> str:
    return bilingual(f"{name} / {SUBJECTS_EN[name]}") if name in SUBJECTS_EN else name


def grade(number: int) -> str:
    return bilingual(f"{number}年级 / Grade {number}")


def grades(numbers: list[int]) -> str:
    if not numbers:
        return ""
    listed = ", ".join(str(n) for n in numbers)
    english = f"Grade {listed}" if len(numbers) == 1 else f"Grades {listed}"
    return bilingual(f"{'、'.join(str(n) for n in numbers)}年级 / {english}")


def listing(items: Any) -> str:
    """Items in a row: 语文、数学 in Chinese, "Chinese, Maths" in English."""
    return (", " if is_english() else "、").join(str(item) for item in items)


def clauses(parts: Any) -> str:
    """Parts of a sentence: "甲，乙" in Chinese, "a, b" in English; empty parts left out."""
    return ("，" if not is_english() else ", ").join(str(p) for p in parts if p)


def aside(main: object, note: object) -> str:
    """A note after a name: 王老师（hn-teacher）, or "王老师 (hn-teacher)" in English."""
    return f"{main} ({note})" if is_english() else f"{main}（{note}）"


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TIME).strftime(fmt)


FILTERS = {
    "stage": stage,
    "locality": locality,
    "key_level": key_level,
    "role": role,
    "weekday": weekday,
    "subject": subject,
    "grade": grade,
    "grades": grades,
    "listing": listing,
    "local_time": local_time,
}


def choices() -> dict[str, Any]:
    """The values the forms of the bureau and school pages offer."""
    return {
        "subjects": SUBJECTS,
        "key_levels": list(KEY_LEVELS),
        "stages": list(STAGES),
        "weekdays": list(WEEKDAYS),
    }


def register(bp: Blueprint) -> None:
    """Give the blueprint's templates the form choices, and every template the label filters."""
    bp.context_processor(choices)

    @bp.record_once
    def _(state: Any) -> None:
        for name, function in FILTERS.items():
            state.app.jinja_env.filters.setdefault(name, function)
