"""The quarterly report as an Excel workbook (.xlsx bytes): one sheet per quarter, in Chinese."""

from __future__ import annotations

import io

from services.quarterly_report import YearReport
from services.report_texts import (
    REPORT_COLUMNS,
    pick,
    quarter_name,
    report_cells,
    report_subtitle,
    report_title,
)


def build_xlsx(report: YearReport) -> bytes:
    """The quarterly report as an Excel workbook: one sheet per quarter, in Chinese."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    from services.spreadsheet_writing import text_cell

    workbook = Workbook()
    workbook.remove(workbook.active)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    for quarter in report.quarters:
        sheet = workbook.create_sheet(quarter_name(quarter.quarter, False))
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(REPORT_COLUMNS))
        title = text_cell(sheet, 1, 1, report_title(report, quarter, False))
        title.font = Font(bold=True, size=14)
        title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.row_dimensions[1].height = 32
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(REPORT_COLUMNS))
        text_cell(sheet, 2, 1, report_subtitle(report, quarter, False)).alignment = wrap
        for column, name in enumerate(REPORT_COLUMNS, start=1):
            cell = text_cell(sheet, 3, column, pick(name, False))
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE5EE")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
        for offset, row in enumerate(quarter.rows):
            cells = report_cells(row, quarter, False)
            for column, text in enumerate(cells, start=1):
                cell = text_cell(sheet, 4 + offset, column, text)
                cell.alignment = wrap
                cell.border = border
            sheet.row_dimensions[4 + offset].height = 15 * max(c.count("\n") + 1 for c in cells)
        if not quarter.rows:
            text_cell(sheet, 4, 1, "暂无教共体")
        for letter, width in zip("ABCDE", (34, 30, 28, 30, 30), strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A4"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "3:3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
