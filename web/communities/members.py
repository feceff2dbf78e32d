"""The communities list, founding, and a community's page: members over time, cross-region invitations."""

from __future__ import annotations

from typing import Any
from uuid import UUID

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

# The communities list and founding ------------------------------------------------------------


@bp.get("")
def index() -> ResponseReturnValue:
    page = services().communities.index_page(actor())
    return render_template(
        "communities/index.html", page=page, school_year=this_school_year(page.as_of)
    )


@bp.post("")
def found() -> ResponseReturnValue:
    me, form = actor(), request.form
    try:
        done = services().communities.found(
            me,
            name=form.get("name", ""),
            kind=form.get("kind", ""),
            core_school_id=_chosen(
                form.get("core_school_id"), "请选择核心校 / Choose the core school"
            ),
            founded_on=form_date(form.get("founded_on"), "成立日期 / founding date"),
            round_start_year=_int(form.get("round_start_year"), "起始学年 / first school year"),
            round_end_year=_int(form.get("round_end_year"), "结束学年 / last school year"),
            member_school_ids=[parse_id(s) for s in form.getlist("member_school_ids") if s],
        )
    except DomainError as exc:
        page = services().communities.index_page(me)
        return _failed(
            "communities/index.html",
            exc,
            page=page,
            school_year=this_school_year(page.as_of),
            failed="found",
        )
    return _done(
        done, "教共体已成立 / Community founded", url_for(".community", community_id=done.id)
    )


# A community: members over time, cross-region invitations --------------------------------------


def _community_page(community_id: UUID, **context: Any) -> ResponseReturnValue:
    page = services().communities.page(actor(), community_id)
    if "errors" in context:
        return _failed("communities/community.html", context.pop("errors"), page=page, **context)
    return render_template("communities/community.html", page=page, **context)


@bp.get("/<community_id>")
def community(community_id: str) -> ResponseReturnValue:
    return _community_page(parse_id(community_id))


@bp.post("/<community_id>/members")
def admit(community_id: str) -> ResponseReturnValue:
    me, cid, form = actor(), parse_id(community_id), request.form
    try:
        done = services().communities.admit(
            me,
            cid,
            _chosen(form.get("school_id"), "请选择学校 / Choose a school"),
            on=form_date(form.get("on"), "加入日期 / joining date"),
        )
    except DomainError as exc:
        return _community_page(cid, errors=exc, failed="admit")
    return _done(
        done, "学校已加入 / The school joined", url_for(".community", community_id=cid) + "#members"
    )


@bp.post("/<community_id>/members/<school_id>/release")
def release(community_id: str, school_id: str) -> ResponseReturnValue:
    me, cid, sid, form = actor(), parse_id(community_id), parse_id(school_id), request.form
    try:
        done = services().communities.release(
            me,
            cid,
            sid,
            on=form_date(form.get("on"), "退出日期 / leaving date"),
            reason=form.get("reason", ""),
        )
    except DomainError as exc:
        return _community_page(cid, errors=exc, failed=f"release-{sid}")
    return _done(
        done,
        "已记录学校退出 / The school's leaving is recorded",
        url_for(".community", community_id=cid) + "#members",
    )


@bp.post("/<community_id>/invitations")
def invite(community_id: str) -> ResponseReturnValue:
    me, cid, form = actor(), parse_id(community_id), request.form
    try:
        done = services().communities.invite_across_regions(
            me,
            cid,
            tenant_id=_chosen(form.get("tenant_id"), "请选择教育局 / Choose the bureau"),
            school_code=form.get("school_code", ""),
            on=form_date(form.get("on"), "加入日期 / joining date"),
        )
    except DomainError as exc:
        return _community_page(cid, errors=exc, failed="invite")
    return _done(
        done,
        "邀请已发出，等待对方教育局同意 / Invited; awaiting that bureau's consent",
        url_for(".community", community_id=cid) + "#members",
    )


@bp.get("/invitations")
def invitations() -> ResponseReturnValue:
    lines = services().communities.invitations(actor())
    return render_template("communities/invitations.html", lines=lines)


@bp.post("/<community_id>/invitations/<school_id>/consent")
def consent(community_id: str, school_id: str) -> ResponseReturnValue:
    me, cid, sid = actor(), parse_id(community_id), parse_id(school_id)
    try:
        done = services().communities.consent(me, cid, sid)
    except DomainError as exc:
        lines = services().communities.invitations(me)
        return _failed("communities/invitations.html", exc, lines=lines, failed=f"{cid}-{sid}")
    return _done(
        done,
        "已同意，该校加入教共体 / Consented: the school joins the community",
        url_for(".community", community_id=cid),
    )


@bp.post("/<community_id>/invitations/<school_id>/decline")
def decline_invitation(community_id: str, school_id: str) -> ResponseReturnValue:
    me, cid, sid = actor(), parse_id(community_id), parse_id(school_id)
    try:
        done = services().communities.decline(me, cid, sid, reason=request.form.get("reason", ""))
    except DomainError as exc:
        lines = services().communities.invitations(me)
        return _failed("communities/invitations.html", exc, lines=lines, failed=f"{cid}-{sid}")
    return _done(done, "已拒绝邀请 / Invitation declined", url_for(".invitations"))
