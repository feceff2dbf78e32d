"""Importing a school's teachers from .csv and .xlsx files: all of them, or none of them."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from services.teacher_import import HEADERS, MAX_BYTES, read_teacher_rows
from tests.crafted_xlsx import crafted_xlsx
from tests.web.conftest import Browser, Web
from web.evidence import MAX_REQUEST_BYTES

GOOD_ROWS = [
    ["hn-chenmei", "陈美", "语文、班队", "3、4", "县级", "一级教师", "chenmei-2026"],
    ["hn-liuyang", "刘洋", "数学", "五年级", "", "二级教师", "liuyang-2026"],
    ["hn-zhouli", "周丽", "英语,科学", "6", "市级骨干", "", "zhouli-20260"],
]


def csv_bytes(
    rows: list[list[str]], *, encoding: str = "utf-8-sig", header: tuple[str, ...] = HEADERS
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(web: Web, who: str | Browser, filename: str, data: bytes) -> Any:
    browser = web.browser(who) if isinstance(who, str) else who
    return browser.post(
        f"/schools/{web.hn.school_id}/teachers/import",
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def usernames_at_school(web: Web) -> set[str]:
    return {u.username for u in web.runtime.services.queries.staff(web.hn.admin, web.hn.school_id)}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_csv_file_imports_every_teacher_in_any_common_encoding(
    web_on_each_store: Web, encoding: str
) -> None:
    web = web_on_each_store
    admin = web.browser("hn-sadmin")
    response = upload(web, admin, "教师名单.csv", csv_bytes(GOOD_ROWS, encoding=encoding))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = admin.text(response.headers["Location"])
    assert "已导入3名教师" in page
    assert "陈美" in page
    assert "刘洋" in page
    assert "周丽" in page
    rows = {
        u.username: u for u in web.runtime.services.queries.staff(web.hn.admin, web.hn.school_id)
    }
    assert rows["hn-chenmei"].subjects == ["语文", "班队"]
    assert rows["hn-chenmei"].grades == [3, 4]
    assert rows["hn-chenmei"].key_level == "county"
    assert rows["hn-liuyang"].grades == [5]
    assert rows["hn-zhouli"].key_level == "city"
    assert rows["hn-zhouli"].subjects == ["英语", "科学"]
    web.browser("hn-liuyang", "liuyang-2026")  # every imported teacher can sign in


def test_an_xlsx_file_imports_every_teacher_with_numbers_read_as_text(web: Web) -> None:
    rows: list[list[Any]] = [
        ["hn-wangwei", "王伟", "体育", 3, "省级", "高级教师", "wangwei-2026"],
        [20230815, "学号式登录名", "美术", "1,2", None, None, 73619452],
    ]
    response = upload(web, "hn-admin", "teachers.xlsx", xlsx_bytes(rows))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert {"hn-wangwei", "20230815"} <= usernames_at_school(web)
    web.browser("20230815", "73619452")


def test_one_bad_row_stores_nothing_and_every_problem_is_listed_by_row(
    web_on_each_store: Web,
) -> None:
    web = web_on_each_store
    before = usernames_at_school(web)
    rows = [
        GOOD_ROWS[0],
        ["hn-teacher", "重名", "语文", "3", "", "", "password-123"],  # row 3: taken
        ["hn-chenmei", "陈美二", "语文", "3", "", "", "password-123"],  # row 4: repeats row 2
        ["hn-ok", "天文老师", "天文", "3", "", "", "password-123"],  # row 5: unknown subject
        ["hn-short", "短密码", "语文", "3", "", "", "123"],  # row 6
        ["", "", "数学", "十二", "特级", "", ""],  # row 7: missing everything, bad grade and level
    ]
    response = upload(web, "hn-sadmin", "teachers.csv", csv_bytes(rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "未导入任何教师" in page
    assert "第3行：登录名 hn-teacher 已被使用" in page
    assert "第4行：登录名 hn-chenmei 与第2行重复" in page
    assert "第5行：未知学科" in page
    assert "第6行：密码至少8位" in page
    assert "第7行：登录名不能为空" in page
    assert "第7行：年级无法识别：十二" in page
    assert "第7行：骨干级别应为县级、市级、省级或留空" in page
    assert "第2行" not in page.replace("与第2行", "")  # the good row has no problem
    assert usernames_at_school(web) == before
    assert not web.runtime.services.people.username_taken("hn-chenmei")


def test_the_row_errors_read_in_english_after_the_switch(web: Web) -> None:
    browser = web.browser("hn-sadmin")
    browser.get("/lang/en")
    response = browser.post(
        f"/schools/{web.hn.school_id}/teachers/import",
        {
            "file": (
                io.BytesIO(csv_bytes([["hn-teacher", "x", "", "", "", "", "password-123"]])),
                "t.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Row 2" in page
    assert "Login name hn-teacher is taken" in page
    assert "no teacher was imported" in page


def test_files_that_are_not_teacher_lists_are_refused_with_a_reason(web: Web) -> None:
    cases = [
        ("teachers.pdf", b"%PDF-1.4", "请上传 .xlsx 或 .csv 文件"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "不支持旧版 .xls 文件"),
        ("broken.xlsx", b"not a zip", "不是有效的 .xlsx 文件"),
        ("empty.csv", b"", "文件是空的"),
        ("header-only.csv", csv_bytes([]), "文件中没有教师数据"),
        ("no-header.csv", "张三,李四\n".encode(), "缺少列：登录名、姓名、初始密码"),
    ]
    for filename, data, message in cases:
        response = upload(web, "hn-sadmin", filename, data)
        assert response.status_code == 422, filename
        assert message in response.get_data(as_text=True), filename


def test_an_upload_without_a_file_or_above_the_size_limit_is_refused(web: Web) -> None:
    browser = web.browser("hn-sadmin")
    path = f"/schools/{web.hn.school_id}/teachers/import"
    missing = browser.post(path, {}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert "请选择要上传的文件" in missing.get_data(as_text=True)
    # The body is built by hand: the test client would spool a large one to a file it never closes.
    boundary = "jgt-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{browser.token}\r\n--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
    )

    def post_file_of(size: int) -> Any:
        body = head.encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
        return browser.client.post(
            path, data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )

    # Above the import's own limit, but within the request limit (an evidence file's): its reason.
    big = post_file_of(MAX_BYTES + 1)
    assert big.status_code == 422
    assert "文件太大（最大5 MB）" in big.get_data(as_text=True)
    # Above the whole request's limit: refused before the form is read.
    huge = post_file_of(MAX_REQUEST_BYTES + 1)
    assert huge.status_code == 413
    assert "文件太大" in huge.get_data(as_text=True)
    assert not web.runtime.services.people.username_taken("hn-chenmei")


def test_more_rows_than_the_limit_are_refused_as_a_whole(web: Web) -> None:
    rows = [[f"bulk-{n:04d}", f"教师{n}", "", "", "", "", "password-123"] for n in range(501)]
    response = upload(web, "hn-sadmin", "bulk.csv", csv_bytes(rows))
    assert response.status_code == 422
    assert "一次最多导入500名教师" in response.get_data(as_text=True)


def test_the_templates_can_be_downloaded_and_imported_as_they_are(web: Web) -> None:
    browser = web.browser("hn-sadmin")
    base = f"/schools/{web.hn.school_id}/teachers/import"
    csv_file = browser.get(f"{base}/template.csv")
    assert csv_file.status_code == 200
    assert csv_file.mimetype == "text/csv"
    assert csv_file.data.startswith("\ufeff登录名,姓名".encode())
    assert "attachment" in csv_file.headers["Content-Disposition"]
    xlsx_file = browser.get(f"{base}/template.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx_file.data)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert browser.get(f"{base}/template.pdf").status_code == 404
    imported = browser.post(
        base,
        {"file": (io.BytesIO(xlsx_file.data), "模板.xlsx")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    assert "zhang.san" in usernames_at_school(web)


def test_only_who_may_add_teachers_may_import_them(web: Web) -> None:
    data = csv_bytes(GOOD_ROWS)
    assert upload(web, "hn-teacher", "t.csv", data).status_code == 403
    assert upload(web, "hn-monitor", "t.csv", data).status_code == 403
    assert upload(web, "yy-admin", "t.csv", data).status_code == 404
    assert (
        web.browser("hn-monitor")
        .get(f"/schools/{web.hn.school_id}/teachers/import/template.csv")
        .status_code
        == 403
    )
    assert not web.runtime.services.people.username_taken("hn-chenmei")


def test_english_headers_semicolons_and_blank_lines_are_understood() -> None:
    text = "Username;Name;Subjects;Grades;Key level;Title;Password\n\nzhao.lei;赵磊;数学;初一;province;;pw-12345678\n"
    (row,) = read_teacher_rows("t.csv", text.encode())
    assert (row.row, row.username, row.display_name, row.grades, row.key_level) == (
        3,
        "zhao.lei",
        "赵磊",
        [7],
        "province",
    )
    assert row.problems == []


def test_a_spreadsheet_bomb_is_refused_with_its_reason_and_stores_nothing(web: Web) -> None:
    before = usernames_at_school(web)
    row = "".join(
        f'<c r="{column}2" t="inlineStr"><is><t>{value}</t></is></c>'
        for column, value in zip("ABG", ("hn-bomb", "炸弹", "password-123"), strict=True)
    )
    header = "".join(
        f'<c r="{column}1" t="inlineStr"><is><t>{title}</t></is></c>'
        for column, title in zip("ABCDEFG", HEADERS, strict=True)
    )
    bomb = crafted_xlsx(f'<row r="1">{header}</row><row r="2">{row}</row>', padding=30_000_000)
    response = upload(web, "hn-sadmin", "teachers.xlsx", bomb)
    assert response.status_code == 422
    assert "文件解压后超过20 MB" in response.get_data(as_text=True)
    assert usernames_at_school(web) == before
    assert not web.runtime.services.people.username_taken("hn-bomb")
    # The same rows without the padding are a good teacher list: the bomb was refused for its size.
    plain = crafted_xlsx(f'<row r="1">{header}</row><row r="2">{row}</row>')
    assert read_teacher_rows("teachers.xlsx", plain)[0].username == "hn-bomb"
