"""Lesson plan (教案) pages: a plan with its comments and revisions, the diff between two, the
author's revision, finalising and publishing; and the community resource library's search.

Each view parses its input, calls one service method and renders.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from domain.lesson_plans import PLAN_STATUS_NAMES
from services.actor import Done
from services.errors import DomainError
from web import labels
from web.current import actor, parse_id, services, settle
from web.i18n import bilingual

bp = Blueprint("lesson_plans", __name__, url_prefix="/research")
labels.register(bp)


@bp.record_once
def _filters(state: Any) -> None:
    state.app.jinja_env.filters.setdefault(
        "plan_status",
        lambda code: bilingual(PLAN_STATUS_NAMES[code]) if code in PLAN_STATUS_NAMES else code,
    )


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page needs a signed-in user; the services decide who sees what."""


def _whole(raw: str | None, what: str) -> int:
    try:
        return int((raw or "").strip())
    except ValueError:
        raise DomainError(f"{what}应为数字 / {what} must be a number") from None


def _plan_page(plan_id: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    page = services().lesson_plans.plan_page(actor(), plan_id)
    context.setdefault("form", request.form if request.method == "POST" else {})
    return render_template("lesson_plans/plan.html", p=page, **context), status


def _command(lesson_plan_id: str, message: str, command: Any) -> ResponseReturnValue:
    pid = parse_id(lesson_plan_id)
    try:
        done: Done = command(pid)
    except DomainError as exc:
        return _plan_page(pid, 422, errors=[bilingual(exc)])
    settle(done.position)
    flash(bilingual(message), "ok")
    return redirect(url_for(".plan", lesson_plan_id=pid))


@bp.post("/groups/<group_id>/lesson-plans")
def draft(group_id: str) -> ResponseReturnValue:
    gid, form = parse_id(group_id), request.form
    session_raw = form.get("session_id", "").strip()
    try:
        done = services().lesson_plans.draft(
            actor(),
            gid,
            title=form.get("title", ""),
            grade=form.get("grade", ""),
            text=form.get("text", ""),
            session_id=parse_id(session_raw) if session_raw else None,
        )
    except DomainError as exc:
        line = services().research.group_page(actor(), gid)
        plans = services().lesson_plans.plans_of_group(actor(), gid)
        page = render_template(
            "research/group.html", g=line, plans=plans, form=form, errors=[bilingual(exc)]
        )
        return page, 422
    settle(done.position)
    flash(bilingual("已保存草稿 / Draft saved"), "ok")
    return redirect(url_for(".plan", lesson_plan_id=done.id))


@bp.get("/lesson-plans/<lesson_plan_id>")
def plan(lesson_plan_id: str) -> ResponseReturnValue:
    return _plan_page(parse_id(lesson_plan_id))


@bp.post("/lesson-plans/<lesson_plan_id>/comments")
def comment(lesson_plan_id: str) -> ResponseReturnValue:
    return _command(
        lesson_plan_id,
        "已评论 / Commented",
        lambda pid: services().lesson_plans.comment(
            actor(), pid, text=request.form.get("text", "")
        ),
    )


@bp.post("/lesson-plans/<lesson_plan_id>/revisions")
def revise(lesson_plan_id: str) -> ResponseReturnValue:
    return _command(
        lesson_plan_id,
        "已保存修订 / Revision saved",
        lambda pid: services().lesson_plans.revise(
            actor(), pid, title=request.form.get("title", ""), text=request.form.get("text", "")
        ),
    )


@bp.post("/lesson-plans/<lesson_plan_id>/final")
def finalise(lesson_plan_id: str) -> ResponseReturnValue:
    return _command(
        lesson_plan_id,
        "已定稿 / Finalised",
        lambda pid: services().lesson_plans.finalise(actor(), pid),
    )


@bp.post("/lesson-plans/<lesson_plan_id>/publish")
def publish(lesson_plan_id: str) -> ResponseReturnValue:
    return _command(
        lesson_plan_id,
        "已发布为精品教案 / Published to the library",
        lambda pid: services().lesson_plans.publish(actor(), pid),
    )


@bp.get("/lesson-plans/<lesson_plan_id>/diff")
def diff(lesson_plan_id: str) -> ResponseReturnValue:
    pid = parse_id(lesson_plan_id)
    try:
        old = _whole(request.args.get("from"), "版本")
        new = _whole(request.args.get("to"), "版本")
    except DomainError as exc:
        return _plan_page(pid, 400, errors=[bilingual(exc)])
    page, lines = services().lesson_plans.diff(actor(), pid, old, new)
    return render_template("lesson_plans/diff.html", p=page, lines=lines, old=old, new=new)


@bp.get("/library")
def library() -> ResponseReturnValue:
    args = request.args
    page = services().lesson_plans.library(
        actor(),
        subject=args.get("subject", ""),
        grade=args.get("grade", ""),
        words=args.get("q", ""),
    )
    return render_template("lesson_plans/library.html", page=page, q=args.get("q", ""))
