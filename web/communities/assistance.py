"""Assistance applications (帮扶申请): applying, assigning a helper school, declining."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.errors import DomainError
from web.communities.blueprint import (
    bp,
)
from web.communities.forms import (
    _chosen,
    _done,
    _failed,
    _int,
    this_school_year,
)
from web.current import actor, parse_id, services
from web.forms import form_date


def _assistance_page(**context: Any) -> ResponseReturnValue:
    page = services().communities.assistance_page(actor())
    template = "communities/assistance.html"
    context["school_year"] = this_school_year(page.today)
    if "errors" in context:
        return _failed(template, context.pop("errors"), page=page, **context)
    return render_template(template, page=page, **context)


@bp.get("/assistance")
def assistance() -> ResponseReturnValue:
    return _assistance_page()


@bp.post("/assistance")
def apply_for_assistance() -> ResponseReturnValue:
    form = request.form
    try:
        done = services().communities.apply_for_assistance(
            actor(), needs=form.get("needs", ""), subjects=form.getlist("subjects")
        )
    except DomainError as exc:
        return _assistance_page(errors=exc, failed="apply")
    return _done(done, "帮扶申请已提交 / Application submitted", url_for(".assistance"))


@bp.post("/assistance/<application_id>/assign")
def assign_helper(application_id: str) -> ResponseReturnValue:
    me, aid, form = actor(), parse_id(application_id), request.form
    try:
        done = services().communities.assign_helper(
            me,
            aid,
            helper_school_id=_chosen(
                form.get("helper_school_id"), "请选择帮扶学校 / Choose the helper school"
            ),
            founded_on=form_date(form.get("founded_on"), "成立日期 / founding date"),
            round_start_year=_int(form.get("round_start_year"), "起始学年 / first school year"),
            round_end_year=_int(form.get("round_end_year"), "结束学年 / last school year"),
        )
    except DomainError as exc:
        return _assistance_page(errors=exc, failed=str(aid))
    return _done(
        done,
        "已指定帮扶学校，帮扶式教共体已成立 / Helper assigned: the assistance community is founded",
        url_for(".community", community_id=done.id),
    )


@bp.post("/assistance/<application_id>/decline")
def decline_application(application_id: str) -> ResponseReturnValue:
    me, aid = actor(), parse_id(application_id)
    try:
        done = services().communities.decline_application(
            me, aid, reason=request.form.get("reason", "")
        )
    except DomainError as exc:
        return _assistance_page(errors=exc, failed=str(aid))
    return _done(done, "已回复申请 / Application declined", url_for(".assistance"))
