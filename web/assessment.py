"""Joint assessment (联合质量检测): the unified tests list and definition, a test's statistics with
the per-class score upload, a class's named sheet (inside its school), and a school's roster.

Each view parses its input, calls one service method and renders. Privacy is the services': a page
gets aggregates (or "人数过少") for everything outside the reader's school, and names and
individual scores only where ``services.policy.may_read_scores`` allows.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from domain.assessment import GradeTargets, Lines
from domain.user import SUBJECTS
from services.assessment_pages import AssessmentPages
from services.errors import DomainError
from services.teacher_import import MAX_BYTES
from web import labels
from web.current import actor, parse_id, services, settle
from web.forms import form_date
from web.i18n import bilingual

bp = Blueprint("assessment", __name__, url_prefix="/assessment")
labels.register(bp)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every assessment page needs a signed-in user; the services decide who sees what."""


@bp.app_template_filter("rate")
def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _pages() -> AssessmentPages:
    return AssessmentPages(services().assessment)


def _number(form: MultiDict[str, str], name: str, what: str) -> float:
    text = form.get(name, "").strip()
    zh, en = what.split(" / ", 1)
    try:
        return float(text)
    except ValueError as exc:
        raise DomainError(f"{zh}应为数字 / The {en} must be a number") from exc


def _grade(raw: str | None) -> int:
    text = (raw or "").strip()
    if not text.isdigit():
        raise DomainError("请选择年级 / Choose the grade")
    return int(text)


def _file() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise DomainError("请选择要上传的文件 / Choose a file to upload")
    return upload.filename, upload.read(MAX_BYTES + 1)


# The tests list and defining a test -----------------------------------------------------------


def _index(status: int = 200, **context: Any) -> ResponseReturnValue:
    me = actor()
    page = _pages().tests_page(me, services().assessment.ctx.clock().date())
    context.setdefault("form", MultiDict())
    return (
        render_template("assessment/index.html", page=page, subjects=SUBJECTS, **context),
        status,
    )


@bp.get("")
def index() -> ResponseReturnValue:
    return _index()


@bp.post("/communities/<community_id>/tests")
def define(community_id: str) -> ResponseReturnValue:
    cid, form = parse_id(community_id), request.form
    services().assessment.organiser_of(actor(), cid)
    try:
        lines = Lines(
            full_mark=_number(form, "full_mark", "满分 / full mark"),
            pass_line=_number(form, "pass_line", "合格线 / pass line"),
            excellence_line=_number(form, "excellence_line", "优秀线 / excellence line"),
            low_line=_number(form, "low_line", "低分线 / low-score line"),
        )
        done = services().assessment.define_test(
            actor(),
            cid,
            subject=form.get("subject", ""),
            grade=_grade(form.get("grade")),
            held_on=form_date(form.get("held_on"), "考试日期 / date of the test"),
            lines=lines,
        )
    except DomainError as exc:
        return _index(422, errors=[bilingual(exc)], form=form, failed=str(cid))
    settle(done.position)
    flash(bilingual("统测已发布，成员校可以上传成绩 / The test is set; schools may upload"), "ok")
    return redirect(url_for(".test", test_id=done.id))


# A test: statistics, the reader's uploads and the upload form ---------------------------------


def _test_page(test_id: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    page = _pages().test_page(actor(), test_id)
    context.setdefault("form", MultiDict())
    return render_template("assessment/test.html", page=page, **context), status


@bp.get("/tests/<test_id>")
def test(test_id: str) -> ResponseReturnValue:
    return _test_page(parse_id(test_id))


@bp.post("/tests/<test_id>/scores")
def upload(test_id: str) -> ResponseReturnValue:
    tid, form = parse_id(test_id), request.form
    try:
        filename, data = _file()
        result = services().assessment.upload_scores(
            actor(), tid, class_name=form.get("class_name", ""), filename=filename, data=data
        )
    except DomainError as exc:
        return _test_page(tid, 422, errors=[bilingual(exc)], form=form)
    if not result.ok:
        return _test_page(tid, 422, row_errors=result.errors, form=form)
    settle(result.position)
    if result.version > 1:
        message = (
            f"已替换为第{result.version}版：{result.tested}人参考，{result.absent}人缺考 / "
            f"Replaced as version {result.version}: {result.tested} tested, {result.absent} absent"
        )
    else:
        message = (
            f"已上传：{result.tested}人参考，{result.absent}人缺考 / "
            f"Uploaded: {result.tested} tested, {result.absent} absent"
        )
    flash(bilingual(message), "ok")
    return redirect(url_for(".test", test_id=tid) + "#uploads")


@bp.get("/tests/<test_id>/schools/<school_id>/classes/<class_name>")
def class_sheet(test_id: str, school_id: str, class_name: str) -> ResponseReturnValue:
    sheet = services().assessment.class_sheet(
        actor(), parse_id(test_id), parse_id(school_id), class_name
    )
    return render_template("assessment/class.html", sheet=sheet)


# A school's roster ----------------------------------------------------------------------------


def _roster(school_id: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    args = request.args
    grade = args.get("grade", "")
    page = _pages().roster_page(
        actor(),
        school_id,
        int(grade) if grade.isdigit() else None,
        args.get("class_name") or None,
    )
    context.setdefault("form", MultiDict())
    return render_template("assessment/roster.html", page=page, **context), status


@bp.get("/schools/<school_id>/roster")
def roster(school_id: str) -> ResponseReturnValue:
    return _roster(parse_id(school_id))


@bp.post("/schools/<school_id>/roster")
def import_roster(school_id: str) -> ResponseReturnValue:
    sid, form = parse_id(school_id), request.form
    try:
        filename, data = _file()
        grade, _, class_name = form.get("class", "").partition("|")
        result = services().assessment.import_roster(
            actor(),
            sid,
            grade=_grade(grade),
            class_name=class_name,
            filename=filename,
            data=data,
        )
    except DomainError as exc:
        return _roster(sid, 422, errors=[bilingual(exc)], form=form)
    if not result.ok:
        return _roster(sid, 422, row_errors=result.errors, form=form)
    flash(bilingual(f"已导入{result.imported}名学生 / Imported {result.imported} students"), "ok")
    return redirect(url_for(".roster", school_id=sid))


@bp.post("/schools/<school_id>/roster/erase")
def erase(school_id: str) -> ResponseReturnValue:
    sid = parse_id(school_id)
    try:
        services().assessment.erase_student(actor(), sid, request.form.get("number", "").strip())
    except DomainError as exc:
        return _roster(sid, 422, errors=[bilingual(exc)])
    flash(
        bilingual(
            "已删除该学生的学号和姓名，成绩仍计入统计 / Erased; the statistics keep the scores"
        ),
        "ok",
    )
    return redirect(url_for(".roster", school_id=sid))


# Settings: a school's targets for a grade, the bureau's smallest group ---------------------------


@bp.post("/schools/<school_id>/targets")
def targets(school_id: str) -> ResponseReturnValue:
    """A school's targets for a grade, set from a test's page (rates typed as percentages)."""
    sid, form = parse_id(school_id), request.form
    services().assessment.check_target_setter(actor(), sid)
    back = parse_id(form.get("test_id", ""))
    try:
        chosen = GradeTargets(
            pass_rate=_number(form, "pass_rate", "合格率目标 / pass-rate target") / 100,
            excellence_rate=_number(form, "excellence_rate", "优秀率目标 / excellence target")
            / 100,
            low_rate=_number(form, "low_rate", "低分率目标 / low-score target") / 100,
            average=_number(form, "average", "平均分目标 / average target"),
        )
        done = services().assessment.set_targets(actor(), sid, _grade(form.get("grade")), chosen)
    except DomainError as exc:
        return _test_page(back, 422, errors=[bilingual(exc)], form=form)
    settle(done.position)
    flash(bilingual("目标已保存 / The targets are saved"), "ok")
    return redirect(url_for(".test", test_id=back) + "#schools")


@bp.post("/settings/min-group")
def min_group() -> ResponseReturnValue:
    form = request.form
    try:
        text = form.get("min_group", "").strip()
        if not text.isdigit():
            raise DomainError("最少人数应为整数 / The smallest group is a whole number")
        done = services().assessment.set_min_group(actor(), int(text))
    except DomainError as exc:
        return _index(422, errors=[bilingual(exc)], form=form, failed="min_group")
    settle(done.position)
    flash(bilingual("已保存 / Saved"), "ok")
    return redirect(url_for(".index"))
