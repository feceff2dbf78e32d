"""Recorded activities and their evidence."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from domain.counting import TaskKind
from services.errors import DomainError
from web.communities.blueprint import (
    bp,
)
from web.communities.forms import (
    _chosen,
    _done,
    _failed,
    _int,
    _link,
)
from web.current import actor, parse_id, services
from web.evidence import send_evidence, uploaded
from web.forms import form_date


def _details(kind: str, form: MultiDict[str, str]) -> tuple[date, dict[str, Any]]:
    """When it happened and the kind's own details (students only as a count, never names)."""
    details: dict[str, Any] = {}
    summary = form.get("summary", "").strip()
    if summary:
        details["summary"] = summary
    if kind == TaskKind.SHADOW_PLACEMENT:
        starts_on = form_date(form.get("starts_on"), "跟岗开始日期 / placement's start date")
        details.update(
            teacher_id=_chosen(form.get("teacher_id"), "请选择跟岗教师 / Choose the teacher"),
            host_school_id=_chosen(
                form.get("host_school_id"), "请选择跟岗学校 / Choose the host school"
            ),
            starts_on=starts_on,
            ends_on=form_date(form.get("ends_on"), "计划结束日期 / planned end date"),
        )
        return starts_on, details
    occurred_on = form_date(form.get("occurred_on"), "活动日期 / date it happened")
    if kind == TaskKind.STUDENT_EXCHANGE:
        details["exchange_kind"] = form.get("exchange_kind", "").strip()
        details["student_count"] = _int(
            form.get("student_count"), "参与学生人数 / number of students"
        )
    elif kind == TaskKind.RESEARCH_OUTPUT:
        details["level"] = form.get("level", "")
        details["title"] = form.get("title", "").strip()
        details["link"] = _link(form.get("link"))
    elif kind == TaskKind.EXTENSION_COURSE:
        details["link"] = _link(form.get("link"))
    elif kind == TaskKind.RECORDED_CLASS:
        details["subject"] = form.get("subject", "").strip()
        details["used_by"] = form.get("used_by", "").strip()
        details["link"] = _link(form.get("link"))
    return occurred_on, details


@bp.get("/<community_id>/activities")
def activities(community_id: str) -> ResponseReturnValue:
    page = services().activities.activities_page(
        actor(), parse_id(community_id), kind=request.args.get("kind") or None
    )
    return render_template("communities/activities.html", page=page)


@bp.get("/<community_id>/activities/new")
def new_activity(community_id: str) -> ResponseReturnValue:
    record_form = services().activities.record_form(actor(), parse_id(community_id))
    kind = request.args.get("kind", "")
    if kind not in record_form.kinds:
        kind = TaskKind.OFFLINE_RESEARCH
    return render_template("communities/activity_new.html", page=record_form, kind=kind, form={})


@bp.post("/<community_id>/activities")
def record(community_id: str) -> ResponseReturnValue:
    me, cid, form = actor(), parse_id(community_id), request.form
    kind = form.get("kind", "")
    try:
        occurred_on, details = _details(kind, form)
        done = services().activities.record(
            me,
            cid,
            kind=kind,
            title=form.get("title", ""),
            occurred_on=occurred_on,
            participant_ids=[parse_id(p) for p in form.getlist("participant_ids") if p],
            details=details,
            uploads=uploaded(),
        )
    except DomainError as exc:
        record_form = services().activities.record_form(me, cid)
        return _failed("communities/activity_new.html", exc, page=record_form, kind=kind)
    return _done(done, "活动已记录 / Activity recorded", url_for(".activity", activity_id=done.id))


def _activity_page(activity_id: UUID, **context: Any) -> ResponseReturnValue:
    page = services().activities.activity_page(actor(), activity_id)
    if "errors" in context:
        return _failed("communities/activity.html", context.pop("errors"), page=page, **context)
    return render_template("communities/activity.html", page=page, **context)


@bp.get("/activities/<activity_id>")
def activity(activity_id: str) -> ResponseReturnValue:
    return _activity_page(parse_id(activity_id))


@bp.post("/activities/<activity_id>/withdraw")
def withdraw(activity_id: str) -> ResponseReturnValue:
    me, aid = actor(), parse_id(activity_id)
    try:
        done = services().activities.withdraw(me, aid, reason=request.form.get("reason", ""))
    except DomainError as exc:
        return _activity_page(aid, errors=exc, failed="withdraw")
    return _done(done, "记录已撤回 / Record withdrawn", url_for(".activity", activity_id=aid))


@bp.post("/activities/<activity_id>/complete")
def complete_placement(activity_id: str) -> ResponseReturnValue:
    me, aid = actor(), parse_id(activity_id)
    try:
        done = services().activities.complete_placement(
            me, aid, ended_on=form_date(request.form.get("ended_on"), "结束日期 / end date")
        )
    except DomainError as exc:
        return _activity_page(aid, errors=exc, failed="complete")
    return _done(done, "跟岗已完成 / Placement completed", url_for(".activity", activity_id=aid))


@bp.post("/activities/<activity_id>/evidence")
def attach_evidence(activity_id: str) -> ResponseReturnValue:
    me, aid = actor(), parse_id(activity_id)
    try:
        done = services().activities.attach_evidence(me, aid, uploaded())
    except DomainError as exc:
        return _activity_page(aid, errors=exc, failed="evidence")
    return _done(
        done,
        "佐证材料已上传 / Evidence attached",
        url_for(".activity", activity_id=aid) + "#evidence",
    )


@bp.get("/activities/<activity_id>/evidence/<sha256>")
def evidence(activity_id: str, sha256: str) -> ResponseReturnValue:
    found = services().activities.evidence(actor(), parse_id(activity_id), sha256)
    return send_evidence(found)
