"""The bureau's pages: its schools, each school's details and admins, bureau staff, transfers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from domain.roles import Role
from services.actor import Done
from services.errors import DomainError
from web import labels
from web.current import actor, parse_id, services, settle
from web.i18n import bilingual

bp = Blueprint("bureau", __name__, url_prefix="/bureau")
labels.register(bp)

#: The roles the bureau staff page creates: monitors (督导) and experts of the research office.
STAFF_ROLES = (Role.BUREAU_MONITOR, Role.EXPERT)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every bureau page needs a signed-in user; the services decide what each may do."""


def student_count(raw: str | None) -> int:
    """The number of students typed into a form (empty is 0); the domain rejects negatives."""
    text = (raw or "").strip()
    try:
        return int(text) if text else 0
    except ValueError as exc:
        raise DomainError("学生数应为整数 / The student count must be a whole number") from exc


def _failed(template: str, exc: Exception, **context: Any) -> ResponseReturnValue:
    """Re-render a page with the form's error and the user's input kept."""
    return (
        render_template(template, errors=[bilingual(exc)], form=request.form, **context),
        422,
    )


@bp.get("/schools")
def schools() -> ResponseReturnValue:
    return render_template("bureau/schools.html", page=services().pages.bureau_schools(actor()))


@bp.post("/schools")
def create_school() -> ResponseReturnValue:
    me = actor()
    form = request.form
    try:
        done = services().organisation.register_school(
            me,
            name=form.get("name", ""),
            code=form.get("code", ""),
            stage=form.get("stage", ""),
            locality=form.get("locality", ""),
            student_count=student_count(form.get("student_count")),
        )
    except DomainError as exc:
        page = services().pages.bureau_schools(me)
        return _failed("bureau/schools.html", exc, page=page, failed="create")
    settle(done.position)
    flash(bilingual("学校已创建 / School created"), "ok")
    return redirect(url_for("bureau.school", school_id=done.id))


@bp.get("/schools/<school_id>")
def school(school_id: str) -> ResponseReturnValue:
    page = services().pages.bureau_school(actor(), parse_id(school_id))
    return render_template("bureau/school.html", page=page)


@bp.post("/schools/<school_id>")
def edit_school(school_id: str) -> ResponseReturnValue:
    me, sid, form = actor(), parse_id(school_id), request.form
    try:
        done = services().organisation.change_school(
            me,
            sid,
            name=form.get("name", ""),
            stage=form.get("stage", ""),
            locality=form.get("locality", ""),
            student_count=student_count(form.get("student_count")),
        )
    except DomainError as exc:
        page = services().pages.bureau_school(me, sid)
        return _failed("bureau/school.html", exc, page=page, failed="details")
    settle(done.position)
    flash(bilingual("学校信息已保存 / School details saved"), "ok")
    return redirect(url_for("bureau.school", school_id=sid))


@bp.post("/schools/<school_id>/admins")
def create_school_admin(school_id: str) -> ResponseReturnValue:
    me, sid, form = actor(), parse_id(school_id), request.form
    try:
        done = services().people.register_user(
            me,
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            password=form.get("password", ""),
            roles=[Role.SCHOOL_ADMIN],
            school_id=sid,
            title=form.get("title", ""),
        )
    except DomainError as exc:
        page = services().pages.bureau_school(me, sid)
        return _failed("bureau/school.html", exc, page=page, failed="admin")
    settle(done.position)
    flash(bilingual("学校管理员已创建 / School admin created"), "ok")
    return redirect(url_for("bureau.school", school_id=sid) + "#admins")


@bp.get("/staff")
def staff() -> ResponseReturnValue:
    people = services().queries.bureau_staff(actor())
    return render_template("bureau/staff.html", staff=people, staff_roles=STAFF_ROLES)


@bp.post("/staff")
def create_staff() -> ResponseReturnValue:
    me, form = actor(), request.form
    role = form.get("role", "")
    try:
        if role not in STAFF_ROLES:
            raise DomainError("请选择督导或教研员 / Choose monitor or expert")
        done = services().people.register_user(
            me,
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            password=form.get("password", ""),
            roles=[role],
            subjects=form.getlist("subjects") if role == Role.EXPERT else [],
            title=form.get("title", ""),
        )
    except DomainError as exc:
        people = services().queries.bureau_staff(me)
        return _failed(
            "bureau/staff.html", exc, staff=people, staff_roles=STAFF_ROLES, failed="create"
        )
    settle(done.position)
    flash(bilingual("账号已创建 / Account created"), "ok")
    return redirect(url_for("bureau.staff"))


@bp.post("/staff/<user_id>/deactivate")
def deactivate_staff(user_id: str) -> ResponseReturnValue:
    me, uid = actor(), parse_id(user_id)
    return _staff_command(
        lambda: services().people.deactivate(me, uid, request.form.get("reason", "")),
        "账号已停用 / Account deactivated",
    )


@bp.post("/staff/<user_id>/reactivate")
def reactivate_staff(user_id: str) -> ResponseReturnValue:
    me, uid = actor(), parse_id(user_id)
    return _staff_command(
        lambda: services().people.reactivate(me, uid), "账号已启用 / Account reactivated"
    )


@bp.post("/staff/<user_id>/password")
def reset_staff_password(user_id: str) -> ResponseReturnValue:
    me, uid = actor(), parse_id(user_id)
    return _staff_command(
        lambda: services().people.reset_password(me, uid, new=request.form.get("password", "")),
        "密码已重置 / Password reset",
        failed=str(uid),
    )


def _staff_command(
    command: Callable[[], Done], message: str, failed: str = ""
) -> ResponseReturnValue:
    try:
        done = command()
    except DomainError as exc:
        people = services().queries.bureau_staff(actor())
        return _failed(
            "bureau/staff.html", exc, staff=people, staff_roles=STAFF_ROLES, failed=failed
        )
    settle(done.position)
    flash(bilingual(message), "ok")
    return redirect(url_for("bureau.staff"))


@bp.route("/people/<user_id>/transfer", methods=["GET", "POST"])
def transfer(user_id: str) -> ResponseReturnValue:
    me, uid = actor(), parse_id(user_id)
    if request.method == "GET":
        return render_template("bureau/transfer.html", page=services().pages.transfer(me, uid))
    raw_school = request.form.get("to_school_id", "")
    try:
        if not raw_school:
            raise DomainError("请选择调入学校 / Choose the school to move to")
        done = services().people.transfer(me, uid, parse_id(raw_school))
    except DomainError as exc:
        return _failed("bureau/transfer.html", exc, page=services().pages.transfer(me, uid))
    settle(done.position)
    flash(bilingual("调动已完成 / Transfer done"), "ok")
    return redirect(url_for("school.overview", school_id=raw_school))
