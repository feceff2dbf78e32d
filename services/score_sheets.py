"""Reading a class's roster and a class's scores from an uploaded .xlsx or CSV file (UTF-8 with or
without BOM, or GBK), row by row. The work is bounded by ``services.spreadsheet_reader``; what each
row says is checked here, and every problem is reported with its row number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.fields import MAX_CLASS_SIZE, PERSON_NAME, STUDENT_NUMBER
from services.errors import DomainError
from services.spreadsheet_reader import read_table

_COLUMNS = {
    "number": ("学号", "学籍号", "考号", "student number", "number", "id"),
    "name": ("姓名", "学生姓名", "name"),
    "score": ("成绩", "分数", "得分", "score"),
    "absent": ("缺考", "absent"),
}
_HEADER = {title: key for key, titles in _COLUMNS.items() for title in titles}
_ABSENT = {"是", "缺考", "缺", "1", "y", "yes", "true", "√", "✓", "x"}
_NOT_ABSENT = {"", "否", "0", "n", "no", "false"}
_SCORE = re.compile(r"^\d{1,4}(\.\d)?$")


@dataclass(frozen=True)
class SheetRow:
    row: int
    number: str = ""
    name: str = ""
    score: float | None = None
    absent: bool = False
    problems: list[str] = field(default_factory=list)


def _columns(table: list[tuple[int, list[str]]], required: tuple[str, ...]) -> dict[str, int]:
    if not table:
        raise DomainError("文件是空的 / The file is empty")
    header_row, header = table[0]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _HEADER.get(title.strip().lower().replace("*", "").replace("＊", ""))
        if key and key not in columns:
            columns[key] = index
    missing = [_COLUMNS[key][0] for key in required if key not in columns]
    if missing:
        raise DomainError(
            f"第{header_row}行应为表头，缺少列：{'、'.join(missing)} / "
            f"Row {header_row} should be the header row; missing columns: {', '.join(missing)}"
        )
    if len(table) - 1 > MAX_CLASS_SIZE:
        raise DomainError(
            f"一个班最多{MAX_CLASS_SIZE}名学生 / A class has at most {MAX_CLASS_SIZE} students"
        )
    return columns


def _cell(cells: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _number(text: str, problems: list[str]) -> str:
    if not text:
        problems.append("学号不能为空 / The student number is missing")
        return ""
    # Excel turns a long 学号 typed as a number into 20230101.0
    text = text.removesuffix(".0") if re.fullmatch(r"\d+\.0", text) else text
    try:
        return STUDENT_NUMBER.check(text)
    except DomainError as exc:
        problems.append(str(exc))
        return ""


def read_roster(filename: str, data: bytes) -> list[SheetRow]:
    """A class's students: 学号 and 姓名, both required."""
    table = read_table(filename, data)
    columns = _columns(table, ("number", "name"))
    rows: list[SheetRow] = []
    for number, cells in table[1:]:
        problems: list[str] = []
        student_number = _number(_cell(cells, columns, "number"), problems)
        name = _cell(cells, columns, "name")
        if not name:
            problems.append("姓名不能为空 / The name is missing")
        else:
            try:
                name = PERSON_NAME.check(name)
            except DomainError as exc:
                problems.append(str(exc))
        rows.append(SheetRow(row=number, number=student_number, name=name, problems=problems))
    return rows


def read_scores(filename: str, data: bytes) -> list[SheetRow]:
    """A class's scores: 学号 and 成绩, with 姓名 (checked against the roster) and 缺考 optional."""
    table = read_table(filename, data)
    columns = _columns(table, ("number", "score"))
    rows: list[SheetRow] = []
    for number, cells in table[1:]:
        problems: list[str] = []
        student_number = _number(_cell(cells, columns, "number"), problems)
        absent_text = _cell(cells, columns, "absent").lower()
        score_text = _cell(cells, columns, "score")
        absent = absent_text in _ABSENT or score_text in ("缺考", "缺")
        if not absent and absent_text not in _NOT_ABSENT:
            problems.append(
                f"缺考一栏应为“是”或留空：{absent_text} / 缺考 is 是 or empty: {absent_text}"
            )
        score: float | None = None
        if absent:
            if score_text and score_text not in ("缺考", "缺"):
                problems.append("缺考的学生不应有成绩 / An absent student has no score")
        elif not score_text:
            problems.append("成绩为空（缺考请填“是”） / The score is missing (缺考: 是 if absent)")
        elif not _SCORE.match(score_text.removesuffix(".0")):
            problems.append(
                f"成绩应为数字：{score_text[:20]} / A score is a number: {score_text[:20]}"
            )
        else:
            score = float(score_text)
        rows.append(
            SheetRow(
                row=number,
                number=student_number,
                name=_cell(cells, columns, "name"),
                score=score,
                absent=absent,
                problems=problems,
            )
        )
    return rows
