"""The years a path or a query of the API may name."""

from __future__ import annotations

from web.api.base import InvalidInput

YEAR_PATH = {"type": "integer", "minimum": 2000, "maximum": 2100}

#: The years a report, a seal or a query may name.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year(raw: str) -> int:
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        raise InvalidInput("year", f"应为年份 / Must be a year ({FIRST_YEAR}–{LAST_YEAR})")
    return int(raw)
