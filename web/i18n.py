"""Languages: zh-CN first, English second.

Templates use Chinese message ids with an English catalogue, so a missing catalogue still shows
Chinese. Messages from the domain are written "中文 / English"; ``bilingual`` picks the half.
"""

from __future__ import annotations

from flask import request, session
from flask_babel import get_locale

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    best = request.accept_languages.best_match(["zh", "en"]) if request else None
    return "en" if best == "en" else DEFAULT_LANGUAGE


def is_english() -> bool:
    return str(get_locale() or DEFAULT_LANGUAGE).startswith("en")


def bilingual(message: object) -> str:
    text = str(message)
    if " / " not in text:
        return text
    chinese, english = text.split(" / ", 1)
    return english if is_english() else chinese
