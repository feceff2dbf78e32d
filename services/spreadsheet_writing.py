"""Cells of the workbooks the platform writes: user text is always text, never a formula."""

from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet


def text_cell(sheet: Worksheet, row: int, column: int, text: str) -> Cell:
    """A cell holding ``text`` as a string.

    openpyxl turns any str that starts with "=" into a formula, so a community named
    ``=HYPERLINK(…)`` would become a live link in the bureau's Excel; typed "s", it is written as an
    inline string and Excel shows it as it was typed.
    """
    cell = sheet.cell(row=row, column=column, value=text)
    cell.data_type = "s"
    return cell
