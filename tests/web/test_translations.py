"""Every label of the bureau, school and activity pages has its English in the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "web"
AREAS = ("bureau", "school", "activity", "assessment", "sync")


@pytest.mark.parametrize("area", AREAS)
def test_every_label_of_an_area_is_translated_into_english(area: str) -> None:
    with (WEB / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    found = extract_from_dir(
        WEB / "templates" / area,
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    labels = {msgid for _, _, msgid, _, _ in found}
    assert labels, "no label was found: is the extraction broken?"
    missing = sorted(m for m in labels if not (catalogue.get(m) and catalogue[m].string))
    assert missing == []
