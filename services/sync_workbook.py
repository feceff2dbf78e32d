"""The master timetable as the Excel workbook teachers print and pin up: one sheet per school,
periods down and weekdays across, each slot in the period it sits in at that school."""

from __future__ import annotations

import io
import re
from uuid import UUID

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from services.spreadsheet_writing import text_cell
from services.sync_queries import Placed, SlotView, TimetablePage

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五")
ANSWERS = {"pending": "（待答复）", "declined": "（已拒绝）", "accepted": ""}
_NOT_IN_TITLE = re.compile(r"[\[\]:*?/\\]")


def _cell_text(slot: SlotView, seat: Placed) -> str:
    head = f"{slot.row.subject} {seat.class_name}\n{seat.start}–{seat.end}"
    if seat.school_id == slot.host.school_id:
        others = "、".join(f"{r.school}{r.class_name}{ANSWERS[r.answer]}" for r in slot.receiving)
        return f"{head}\n主讲 {seat.teacher}\n⇄ {others}"
    return f"{head}\n助教 {seat.teacher}{ANSWERS[seat.answer]}\n⇄ {slot.host.school} {slot.host.teacher}"


def timetable_workbook(page: TimetablePage) -> bytes:
    by_school: dict[UUID, tuple[str, list[tuple[SlotView, Placed]]]] = {}
    for slot in page.slots:
        for seat in [slot.host, *slot.receiving]:
            by_school.setdefault(seat.school_id, (seat.school, []))[1].append((slot, seat))
    book = Workbook()
    book.remove(book.active)
    for name, seats in sorted(by_school.values(), key=lambda s: s[0]):
        sheet = book.create_sheet(_NOT_IN_TITLE.sub("_", name)[:31])
        text_cell(sheet, 1, 1, f"{name} · {page.timetable.name} 同步课堂课表").font = Font(
            bold=True
        )
        text_cell(sheet, 2, 1, "节次")
        for column, day in enumerate(WEEKDAYS, start=2):
            text_cell(sheet, 2, column, day).font = Font(bold=True)
            sheet.column_dimensions[chr(ord("A") + column - 1)].width = 26
        periods = range(1, max(seat.period for _, seat in seats) + 1)  # every row to print
        for row, period in enumerate(periods, start=3):
            text_cell(sheet, row, 1, f"第{period}节")
            for column in range(2, 2 + len(WEEKDAYS)):
                here = [
                    _cell_text(slot, seat)
                    for slot, seat in seats
                    if seat.period == period and slot.row.weekday == column - 1
                ]
                if here:
                    cell = text_cell(sheet, row, column, "\n\n".join(here))
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if not book.sheetnames:
        text_cell(book.create_sheet("课表"), 1, 1, "还没有时段 / No slot yet")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
