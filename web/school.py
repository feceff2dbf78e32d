"""A school's pages: teachers, classes, the bell schedule (作息时间) and importing teachers."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from domain.roles import Role
from domain.school import GRADES_BY_STAGE, Stage
from services.actor import Done
from services.errors import DomainError
from services.teacher_import import MAX_BYTES
from web import labels
from web.current import actor, parse_id, services, settle
from web.i18n import bilingual

bp = Blueprint("school", __name__, url_prefix="/schools/<school_id>")
labels.register(bp)

#: How many numbered periods the bell-schedule editor offers per day.
MAX_PERIODS = 14
WORKDAYS = (1, 2, 3, 4, 5)
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?::\d{2})?$")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every school page needs a signed-in user; the services decide what each may do."""


def grade_choices(stage: str) -> list[int]:
    """The grades a school of this stage teaches (小学 1–6, 初中 7–9, 九年一贯制 1–9)."""
    try:
        return list(GRADES_BY_STAGE[Stage(stage)])
    except ValueError:
        return list(range(1, 10))


def _grades(form: MultiDict[str, str]) -> list[int]:
    try:
        return [int(g) for g in form.getlist("grades") if g.strip()]
    except ValueError as exc:
        raise DomainError("年级应为1–9 / Grades are 1–9") from exc


def _failed(template: str, exc: Exception, **context: Any) -> ResponseReturnValue:
    """Re-render a page with the form's error and the user's input kept."""
    context.setdefault("form", request.form)
    return render_template(template, errors=[bilingual(exc)], **context), 422


# Teachers.
@bp.get("")
def overview(school_id: str) -> ResponseReturnValue:
    page = services().pages.school(actor(), parse_id(school_id))
    return render_template(
        "school/overview.html", page=page, grade_choices=grade_choices(page.school.stage)
    )


@bp.post("/teachers")
def add_teacher(school_id: str) -> ResponseReturnValue:
    me, sid, form = actor(), parse_id(school_id), request.form
    try:
        done = services().people.register_user(
            me,
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            password=form.get("password", ""),
            roles=[Role.TEACHER],
            school_id=sid,
            subjects=form.getlist("subjects"),
            grades=_grades(form),
            key_level=form.get("key_level", ""),
            title=form.get("title", ""),
        )
    except DomainError as exc:
        page = services().pages.school(me, sid)
        return _failed(
            "school/overview.html",
            exc,
            page=page,
            grade_choices=grade_choices(page.school.stage),
            failed="add",
        )
    settle(done.position)
    flash(bilingual(f"已添加教师 {form.get('display_name', '').strip()} / Teacher added"), "ok")
    return redirect(url_for("school.overview", school_id=sid) + "#teachers")


@bp.route("/teachers/<user_id>", methods=["GET", "POST"])
def teacher(school_id: str, user_id: str) -> ResponseReturnValue:
    me, sid, uid = actor(), parse_id(school_id), parse_id(user_id)
    if request.method == "GET":
        return _member_page(me, sid, uid)
    form = request.form
    return _member_command(
        sid,
        uid,
        lambda: services().people.update_profile(
            me,
            uid,
            display_name=form.get("display_name", ""),
            subjects=form.getlist("subjects"),
            grades=_grades(form),
            key_level=form.get("key_level", ""),
            title=form.get("title", ""),
        ),
        "资料已保存 / Profile saved",
        failed="profile",
    )


@bp.post("/teachers/<user_id>/password")
def reset_password(school_id: str, user_id: str) -> ResponseReturnValue:
    me, sid, uid = actor(), parse_id(school_id), parse_id(user_id)
    new = request.form.get("password", "")
    return _member_command(
        sid,
        uid,
        lambda: services().people.reset_password(me, uid, new=new),
        "密码已重置，请把新密码告知本人 / Password reset; tell the teacher the new one",
        failed="password",
    )


@bp.post("/teachers/<user_id>/deactivate")
def deactivate(school_id: str, user_id: str) -> ResponseReturnValue:
    me, sid, uid = actor(), parse_id(school_id), parse_id(user_id)
    reason = request.form.get("reason", "")
    return _member_command(
        sid,
        uid,
        lambda: services().people.deactivate(me, uid, reason),
        "账号已停用 / Account deactivated",
        failed="active",
    )


@bp.post("/teachers/<user_id>/reactivate")
def reactivate(school_id: str, user_id: str) -> ResponseReturnValue:
    me, sid, uid = actor(), parse_id(school_id), parse_id(user_id)
    return _member_command(
        sid,
        uid,
        lambda: services().people.reactivate(me, uid),
        "账号已启用 / Account reactivated",
        failed="active",
    )


def _member_page(
    me: Any, sid: UUID, uid: UUID, status: int = 200, **context: Any
) -> ResponseReturnValue:
    page = services().pages.school_member(me, sid, uid)
    context.setdefault("form", {})
    return (
        render_template(
            "school/teacher.html",
            page=page,
            grade_choices=grade_choices(page.school.stage),
            **context,
        ),
        status,
    )


def _member_command(
    sid: UUID, uid: UUID, command: Callable[[], Done], message: str, failed: str
) -> ResponseReturnValue:
    """Run a command on a member of the school's staff; on a broken rule show their page again.

    The school in the URL is checked first: another bureau's school, or a person who is not on
    this school's staff, is not found, whatever the person's own id would allow.
    """
    services().pages.school_member(actor(), sid, uid)
    try:
        done = command()
    except DomainError as exc:
        return _member_page(
            actor(), sid, uid, 422, errors=[bilingual(exc)], form=request.form, failed=failed
        )
    settle(done.position)
    flash(bilingual(message), "ok")
    return redirect(url_for("school.teacher", school_id=sid, user_id=uid))


# Classes.
@bp.get("/classes")
def classes(school_id: str) -> ResponseReturnValue:
    page = services().pages.school(actor(), parse_id(school_id))
    return render_template(
        "school/classes.html", page=page, grade_choices=grade_choices(page.school.stage)
    )


@bp.post("/classes")
def open_class(school_id: str) -> ResponseReturnValue:
    me, sid, form = actor(), parse_id(school_id), request.form
    try:
        grade = int(form.get("grade", "") or 0)
    except ValueError:
        grade = 0
    try:
        done = services().organisation.open_class(me, sid, grade=grade, name=form.get("name", ""))
    except DomainError as exc:
        page = services().pages.school(me, sid)
        return _failed(
            "school/classes.html", exc, page=page, grade_choices=grade_choices(page.school.stage)
        )
    settle(done.position)
    flash(bilingual("班级已开设 / Class opened"), "ok")
    return redirect(url_for("school.classes", school_id=sid))


@bp.post("/classes/<class_id>/close")
def close_class(school_id: str, class_id: str) -> ResponseReturnValue:
    me, sid = actor(), parse_id(school_id)
    try:
        done = services().organisation.close_class(me, sid, class_id)
    except DomainError as exc:
        page = services().pages.school(me, sid)
        return _failed(
            "school/classes.html",
            exc,
            page=page,
            grade_choices=grade_choices(page.school.stage),
            form={},
        )
    settle(done.position)
    flash(bilingual("班级已撤销 / Class closed"), "ok")
    return redirect(url_for("school.classes", school_id=sid))


# The bell schedule.
Grid = dict[int, dict[int, tuple[str, str]]]


def grid_of(periods: list[dict[str, object]]) -> Grid:
    """weekday → period number → (start, end)."""
    grid: Grid = {day: {} for day in labels.WEEKDAYS}
    for p in periods:
        day, number = int(str(p["weekday"])), int(str(p["number"]))
        grid.setdefault(day, {})[number] = (str(p["start"]), str(p["end"]))
    return grid


def _editor(grid: Grid, same_days: list[int] | None = None) -> dict[str, Any]:
    """What the editor shows: a template day for "same every day" and every day's own rows."""
    filled = [day for day in labels.WEEKDAYS if grid.get(day)]
    template_day = filled[0] if filled else 1
    template = grid.get(template_day, {})
    if same_days is None:
        same_days = [d for d in filled if grid[d] == template] if filled else list(WORKDAYS)
    longest = max((max(day) for day in grid.values() if day), default=0)
    rows = min(MAX_PERIODS, max(8, longest + 2))
    # Days with the same periods share a column of the summary: "周一至周五" rather than five.
    columns: list[tuple[list[int], dict[int, tuple[str, str]]]] = []
    for day in filled:
        same = next((c for c in columns if c[1] == grid[day]), None)
        if same:
            same[0].append(day)
        else:
            columns.append(([day], grid[day]))
    return {
        "columns": [(labels.day_span(days), periods) for days, periods in columns],
        "saved_longest": longest,
        "grid": grid,
        "template": template,
        "same_days": same_days,
        "rows": rows,
    }


def _time(raw: str) -> str:
    """A time as typed ("8:00", "08:00", "08:00:00") in the schedule's HH:MM form."""
    text = raw.strip()
    match = _TIME.match(text)
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else text


@dataclass
class BellForm:
    """A submitted bell-schedule editor: "same" periods for chosen days, or each day's own."""

    mode: str
    grid: Grid
    same_days: list[int]
    template: dict[int, tuple[str, str]]

    @classmethod
    def parse(cls, form: MultiDict[str, str]) -> BellForm:
        grid: Grid = {day: {} for day in labels.WEEKDAYS}
        if form.get("mode") == "same":
            days = [int(d) for d in form.getlist("days") if d.isdigit() and int(d) in grid]
            rows = {
                n: (_time(form.get(f"start-{n}", "")), _time(form.get(f"end-{n}", "")))
                for n in range(1, MAX_PERIODS + 1)
            }
            template = {n: times for n, times in rows.items() if any(times)}
            for day in days:
                grid[day] = dict(template)
            return cls("same", grid, days, template)
        for day in labels.WEEKDAYS:
            for n in range(1, MAX_PERIODS + 1):
                start = _time(form.get(f"d{day}-start-{n}", ""))
                end = _time(form.get(f"d{day}-end-{n}", ""))
                if start or end:
                    grid[day][n] = (start, end)
        return cls("each", grid, [], {})

    def periods(self) -> list[dict[str, object]]:
        if self.mode == "same" and self.template and not self.same_days:
            raise DomainError("请至少选择一天 / Choose at least one weekday")
        return [
            {"weekday": day, "number": n, "start": start, "end": end}
            for day, numbered in self.grid.items()
            for n, (start, end) in sorted(numbered.items())
        ]

    def shown_in(self, editor: dict[str, Any]) -> dict[str, Any]:
        """The editor with this form's input in place of the saved schedule (the other form)."""
        if self.mode == "same":
            return editor | {"template": self.template, "same_days": self.same_days}
        return editor | {"grid": self.grid}


@bp.route("/bells", methods=["GET", "POST"])
def bells(school_id: str) -> ResponseReturnValue:
    me, sid = actor(), parse_id(school_id)
    if request.method == "GET":
        page = services().pages.school(me, sid)
        editor = _editor(grid_of(page.bell_schedule))
        return render_template("school/bells.html", page=page, editor=editor, mode="same")
    sent = BellForm.parse(request.form)
    try:
        done = services().organisation.set_bell_schedule(me, sid, sent.periods())
    except DomainError as exc:
        page = services().pages.school(me, sid)
        editor = sent.shown_in(_editor(grid_of(page.bell_schedule)))
        return _failed("school/bells.html", exc, page=page, editor=editor, mode=sent.mode)
    settle(done.position)
    flash(bilingual("作息时间已保存 / Bell schedule saved"), "ok")
    return redirect(url_for("school.bells", school_id=sid))


# Importing teachers.
@bp.get("/teachers/import")
def import_teachers(school_id: str) -> ResponseReturnValue:
    form = services().teacher_import.form(actor(), parse_id(school_id))
    return render_template("school/import.html", page=form, school=form.school)


@bp.post("/teachers/import")
def upload_teachers(school_id: str) -> ResponseReturnValue:
    me, sid = actor(), parse_id(school_id)
    upload = request.files.get("file")
    importer = services().teacher_import
    try:
        if upload is None or not upload.filename:
            raise DomainError("请选择要上传的文件 / Choose a file to upload")
        result = importer.import_file(
            me, sid, filename=upload.filename, data=upload.read(MAX_BYTES + 1)
        )
    except DomainError as exc:
        form = importer.form(me, sid)
        return _failed("school/import.html", exc, page=form, school=form.school)
    if not result.ok:
        form = importer.form(me, sid)
        return (
            render_template(
                "school/import.html", page=form, school=form.school, row_errors=result.errors
            ),
            422,
        )
    settle(result.position)
    flash(
        bilingual(f"已导入{len(result.imported)}名教师 / Imported {len(result.imported)} teachers"),
        "ok",
    )
    return redirect(url_for("school.overview", school_id=sid) + "#teachers")


@bp.get("/teachers/import/template.<kind>")
def import_template(school_id: str, kind: str) -> ResponseReturnValue:
    if kind not in ("csv", "xlsx"):
        abort(404)
    data = services().teacher_import.template(actor(), parse_id(school_id), kind)
    mimetype = (
        "text/csv"
        if kind == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"教师导入模板.{kind}",
    )
