"""Reading uploaded teacher lists with bounded work: bombs are refused by what they would cost."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from services.errors import DomainError
from services.spreadsheet_reader import LIMITS, Limits, read_table
from tests.crafted_xlsx import crafted_xlsx


def refusal(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(DomainError) as refused:
        read_table("teachers.xlsx", data, limits)
    return str(refused.value)


def test_a_zip_bomb_is_refused_by_its_uncompressed_size_before_any_parsing() -> None:
    bomb = crafted_xlsx(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>',
        padding=LIMITS.uncompressed_bytes + 1,
    )
    assert len(bomb) < LIMITS.uncompressed_bytes // 100  # a tiny file ...
    message = refusal(bomb)  # ... that would unpack to more than the limit
    assert "解压后超过20 MB" in message
    assert "more than 20 MB uncompressed" in message


def test_an_entry_that_compresses_far_too_well_is_refused_as_a_bomb() -> None:
    bomb = crafted_xlsx("", padding=5 * 1024 * 1024)
    assert "疑似压缩炸弹" in refusal(bomb)
    assert "zip bomb" in refusal(bomb)


def test_a_sheet_of_a_million_empty_rows_is_refused_by_its_rows() -> None:
    rows = "".join(f'<row r="{n}"/>' for n in range(1, 1_000_001))
    sheet = crafted_xlsx(rows)
    assert len(sheet) <= LIMITS.file_bytes  # it passes the upload and zip limits
    message = refusal(sheet)
    assert f"表格超过{LIMITS.rows}行" in message
    assert f"more than {LIMITS.rows} rows" in message


def test_two_cells_a_million_rows_apart_are_refused_without_building_the_grid_between() -> None:
    far = crafted_xlsx(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>登录名</t></is></c></row>'
        '<row r="1000000"><c r="ZZ1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    assert f"more than {LIMITS.rows} rows" in refusal(far)


def test_a_row_of_countless_cells_is_refused_by_its_cells() -> None:
    cells = '<c r="A1"/>' * (LIMITS.cells + 1)
    row = crafted_xlsx(f'<row r="1">{cells}</row>')
    assert f"more than {LIMITS.cells} cells" in refusal(row, Limits(ratio=10**6))


def test_parsing_stops_when_its_time_is_up() -> None:
    sheet = crafted_xlsx('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>')
    assert "took too long" in refusal(sheet, Limits(seconds=-1))


def test_a_declared_dtd_is_refused_rather_than_expanded() -> None:
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    assert "不是有效的 .xlsx 文件" in refusal(crafted_xlsx("", prolog=laughs))


def test_shared_inline_numeric_and_far_right_cells_are_read_as_text() -> None:
    sheet = crafted_xlsx(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><r><t>姓</t></r>'
        "<r><t>名</t></r><rPh><t>xingming</t></rPh></is></c></row>"
        '<row r="3"><c r="A3"><v>20230815</v></c><c r="B3"><v>2.5</v></c>'
        '<c r="C3" t="b"><v>1</v></c><c r="ZZ3" t="inlineStr"><is><t>far right</t></is></c></row>'
        '<row r="4"><c r="A4" s="1"/></row>',
        shared=["登录名"],
    )
    assert read_table("t.xlsx", sheet) == [
        (1, ["登录名", "", "姓名"]),
        (3, ["20230815", "2.5", "True"]),
    ]


def test_a_workbook_saved_by_openpyxl_reads_as_it_was_written() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["登录名", "姓名", "年级"])
    sheet.append(["wang.wei", "王伟", 3])
    sheet.append([])
    sheet.append([12345678, "=B2", 4.0])
    out = io.BytesIO()
    workbook.save(out)
    assert read_table("t.xlsx", out.getvalue()) == [
        (1, ["登录名", "姓名", "年级"]),
        (2, ["wang.wei", "王伟", "3"]),
        (4, ["12345678", "", "4"]),  # a formula has no value until Excel computes it
    ]


def test_a_csv_of_countless_lines_is_refused_by_its_rows() -> None:
    text = "登录名,姓名,初始密码\n" + "\n" * LIMITS.rows
    with pytest.raises(DomainError, match=f"more than {LIMITS.rows} rows"):
        read_table("t.csv", text.encode())


def test_csv_columns_beyond_the_limit_are_ignored() -> None:
    line = ",".join(["a"] * (LIMITS.columns + 10))
    ((number, cells),) = read_table("t.csv", line.encode("gb18030"))
    assert (number, len(cells)) == (1, LIMITS.columns)
