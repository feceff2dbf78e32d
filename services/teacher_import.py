"""Importing a school's teachers from a spreadsheet (.xlsx) or a CSV file, all or nothing.

Every row is checked the way a single registration is (``PeopleService.new_user``), plus what only a
whole file can get wrong: a login name twice in the file, or one that is already taken. If any row is
wrong nothing is stored and every problem is reported with its row number; if all are right, every
teacher is saved in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.roles import Role
from domain.school import School
from domain.uniqueness import NameClaim
from domain.user import KeyTeacherLevel, User
from projections.directory import SchoolRow
from services.actor import Actor
from services.context import Context
from services.errors import DomainError, NotFound
from services.pages import SchoolAccess, school_access
from services.people import PeopleService
from services.policy import Action, require
from services.queries import QueryService
from services.spreadsheet_reader import LIMITS, read_table

#: The template's header row, in the order of the columns.
HEADERS = ("登录名", "姓名", "学科", "年级", "骨干级别", "职称", "初始密码")
EXAMPLE_ROW = ("zhang.san", "张三", "语文、数学", "3、4", "县级", "一级教师", "Chushi-2026")
REQUIRED = ("username", "display_name", "password")
MAX_ROWS = 500
MAX_BYTES = LIMITS.file_bytes
_WORKERS = 4

_FIELDS = {
    "username": ("登录名", "用户名", "账号", "username", "login", "login name"),
    "display_name": ("姓名", "name", "display name", "display_name", "full name"),
    "subjects": ("学科", "任教学科", "subjects", "subject"),
    "grades": ("年级", "任教年级", "grades", "grade"),
    "key_level": ("骨干级别", "骨干教师", "key level", "key_level", "key-teacher level"),
    "title": ("职称", "职务", "title"),
    "password": ("初始密码", "密码", "password", "initial password", "initial_password"),
}
_HEADER_FIELD = {title: name for name, titles in _FIELDS.items() for title in titles}
_SPLIT = re.compile(r"[,，、;；/\s]+")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_JUNIOR = {"初一": 7, "初二": 8, "初三": 9, "七": 7, "八": 8, "九": 9}
_KEY_LEVELS = {
    "": KeyTeacherLevel.NONE,
    "无": KeyTeacherLevel.NONE,
    "否": KeyTeacherLevel.NONE,
    "none": KeyTeacherLevel.NONE,
    "县级": KeyTeacherLevel.COUNTY,
    "区级": KeyTeacherLevel.COUNTY,
    "县区级": KeyTeacherLevel.COUNTY,
    "county": KeyTeacherLevel.COUNTY,
    "市级": KeyTeacherLevel.CITY,
    "city": KeyTeacherLevel.CITY,
    "省级": KeyTeacherLevel.PROVINCE,
    "province": KeyTeacherLevel.PROVINCE,
    "provincial": KeyTeacherLevel.PROVINCE,
}


@dataclass(frozen=True)
class TeacherRow:
    """One data row of the file, as read; ``problems`` are what could not even be read."""

    row: int
    username: str = ""
    display_name: str = ""
    subjects: list[str] = field(default_factory=list)
    grades: list[int] = field(default_factory=list)
    key_level: str = ""
    title: str = ""
    password: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RowError:
    #: The spreadsheet's row number (the header is row 1); 0 for the file as a whole.
    row: int
    message: str


@dataclass(frozen=True)
class ImportedTeacher:
    id: UUID
    username: str
    display_name: str


@dataclass(frozen=True)
class ImportForm:
    school: SchoolRow
    access: SchoolAccess
    headers: tuple[str, ...] = HEADERS
    max_rows: int = MAX_ROWS


@dataclass(frozen=True)
class ImportResult:
    school: SchoolRow
    imported: list[ImportedTeacher] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: The store position to wait for (0 when nothing was stored).
    position: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class TeacherImportService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.people = PeopleService(ctx)
        self.queries = QueryService(ctx)

    def form(self, actor: Actor, school_id: UUID) -> ImportForm:
        """The import page of a school, for someone who may add its teachers."""
        school = self.queries.school(actor, school_id)
        require(actor, Action.MANAGE_TEACHERS, school_id)
        return ImportForm(school=school, access=school_access(actor, school_id))

    def template(self, actor: Actor, school_id: UUID, kind: str) -> bytes:
        """A file to fill in: the header row and one example row, as ``csv`` or ``xlsx``."""
        self.form(actor, school_id)
        if kind == "xlsx":
            return _xlsx_template()
        # With a BOM, so that Excel opens the UTF-8 file with its Chinese intact.
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerow(EXAMPLE_ROW)
        return out.getvalue().encode("utf-8-sig")

    def import_file(
        self, actor: Actor, school_id: UUID, *, filename: str, data: bytes
    ) -> ImportResult:
        """Read an uploaded .xlsx or .csv file and import its teachers, all or nothing.

        A file that cannot be read at all raises ``DomainError``; problems with rows come back in
        the result's ``errors``, and then nothing has been stored.
        """
        self._importing_to(actor, school_id)
        rows = read_teacher_rows(filename, data)
        return self.import_teachers(actor, school_id, rows)

    def import_teachers(
        self, actor: Actor, school_id: UUID, rows: list[TeacherRow]
    ) -> ImportResult:
        school = self._importing_to(actor, school_id)
        if not rows:
            raise DomainError("文件中没有教师数据 / The file has no teacher rows")
        if len(rows) > MAX_ROWS:
            raise DomainError(
                f"一次最多导入{MAX_ROWS}名教师 / At most {MAX_ROWS} teachers per import"
            )
        aggregates: list[object] = []
        imported: list[ImportedTeacher] = []
        first_row_of: dict[str, int] = {}
        problems: dict[int, list[str]] = {}
        for row in rows:
            found = problems[row.row] = list(row.problems)
            found += [_MISSING[name] for name in REQUIRED if not getattr(row, name)]
            username = row.username.strip().lower()
            if username:
                first = first_row_of.setdefault(username, row.row)
                if first != row.row:
                    found.append(
                        f"登录名 {username} 与第{first}行重复 / "
                        f"Login name {username} repeats row {first}"
                    )
                elif self._taken(username):
                    found.append(f"登录名 {username} 已被使用 / Login name {username} is taken")

        def build(row: TeacherRow) -> tuple[TeacherRow, tuple[User, NameClaim] | str]:
            try:
                return row, self.people.new_user(
                    actor,
                    username=row.username,
                    display_name=row.display_name,
                    password=row.password,
                    roles=[Role.TEACHER],
                    school_id=school_id,
                    subjects=row.subjects,
                    grades=row.grades,
                    key_level=row.key_level,
                    title=row.title,
                )
            except DomainError as exc:
                return row, str(exc)

        # Each row is checked as a single registration is, which hashes its password (Argon2,
        # tens of milliseconds): a few rows at a time, as the hash releases the GIL.
        complete = [row for row in rows if all(getattr(row, name) for name in REQUIRED)]
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            for row, built in pool.map(build, complete):
                if isinstance(built, str):
                    problems[row.row].append(built)
                elif not problems[row.row]:
                    user, claim = built
                    aggregates += [user, claim]
                    imported.append(ImportedTeacher(user.id, user.username, user.display_name))
        errors = [RowError(row.row, message) for row in rows for message in problems[row.row]]
        if errors:
            return ImportResult(school=school, errors=errors)
        try:
            position = self.ctx.platform.save_all(*aggregates)
        except IntegrityError:
            # Someone took one of the names since it was checked; the transaction stored nothing.
            return ImportResult(
                school=school,
                errors=[
                    RowError(
                        0,
                        "导入期间有登录名被他人占用，未保存任何数据，请重试 / A login name was "
                        "taken during the import; nothing was saved, please try again",
                    )
                ],
            )
        return ImportResult(school=school, imported=imported, position=position)

    def _importing_to(self, actor: Actor, school_id: UUID) -> SchoolRow:
        """The school, decided from its aggregate: one registered a moment ago takes teachers too."""
        try:
            school: School = self.ctx.platform.get_in_tenant(School, school_id, actor.tenant_id)
        except NotFound as exc:
            raise NotFound("学校不存在 / No such school") from exc
        require(actor, Action.MANAGE_TEACHERS, school_id)
        return self.ctx.directory.school(actor.tenant_id, school_id) or SchoolRow(
            id=school.id,
            tenant_id=school.tenant_id,
            name=school.name,
            code=school.code,
            stage=school.stage,
            locality=school.locality,
            student_count=school.student_count,
        )

    def _taken(self, username: str) -> bool:
        try:
            return self.people.username_taken(username)
        except DomainError:
            return False  # a malformed name; new_user says what is wrong with it


_MISSING = {
    "username": "登录名不能为空 / The login name is missing",
    "display_name": "姓名不能为空 / The name is missing",
    "password": "初始密码不能为空 / The initial password is missing",
}


def read_teacher_rows(filename: str, data: bytes) -> list[TeacherRow]:
    """The data rows of an .xlsx or .csv file whose first row names the columns."""
    table = read_table(filename, data)
    if not table:
        raise DomainError("文件是空的 / The file is empty")
    header_row, header = table[0]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _HEADER_FIELD.get(title.strip().lower().replace("＊", "").replace("*", ""))
        if key and key not in columns:
            columns[key] = index
    missing = [_FIELDS[name][0] for name in REQUIRED if name not in columns]
    if missing:
        raise DomainError(
            f"第{header_row}行应为表头，缺少列：{'、'.join(missing)} / "
            f"Row {header_row} should be the header row; missing columns: {', '.join(missing)}"
        )
    rows: list[TeacherRow] = []
    for number, cells in table[1:]:
        if len(rows) > MAX_ROWS:
            break  # import_teachers reports the limit; no need to read the rest
        rows.append(_teacher_row(number, cells, columns))
    return rows


def _teacher_row(number: int, cells: list[str], columns: dict[str, int]) -> TeacherRow:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    problems: list[str] = []
    grades: list[int] = []
    for token in _tokens(cell("grades")):
        grade = _grade(token)
        if grade is None:
            problems.append(f"年级无法识别：{token} / Unknown grade: {token}")
        else:
            grades.append(grade)
    level_text = cell("key_level").lower().removesuffix("骨干教师").removesuffix("骨干")
    level = _KEY_LEVELS.get(level_text.strip())
    if level is None:
        problems.append(
            f"骨干级别应为县级、市级、省级或留空：{cell('key_level')} / "
            f"Key-teacher level is 县级, 市级, 省级 or empty: {cell('key_level')}"
        )
    return TeacherRow(
        row=number,
        username=cell("username"),
        display_name=cell("display_name"),
        subjects=_tokens(cell("subjects")),
        grades=grades,
        key_level=str(level or ""),
        title=cell("title"),
        password=cell("password"),
        problems=problems,
    )


def _tokens(text: str) -> list[str]:
    return [t for t in _SPLIT.split(text) if t]


def _grade(token: str) -> int | None:
    token = token.removesuffix("年级").strip()
    if token in _JUNIOR and token.startswith("初"):
        return _JUNIOR[token]
    if token.isdigit():
        return int(token)
    return _CHINESE_DIGITS.get(token)


@cache
def _xlsx_template() -> bytes:
    """Built once: openpyxl stamps each save with the time, and the template never changes."""
    from openpyxl import Workbook

    from services.spreadsheet_writing import text_cell

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "教师"
    for row, texts in enumerate((HEADERS, EXAMPLE_ROW), start=1):
        for column, text in enumerate(texts, start=1):
            text_cell(sheet, row, column, text)
    for letter, width in zip("ABCDEFG", (16, 10, 16, 10, 10, 12, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
