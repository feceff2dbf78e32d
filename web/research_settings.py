"""The bureau's research settings: training hours per session type, the yearly requirement, the
number of schools a session needs to count, and the hours a confirmed mentoring record earns."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from domain.research import SESSION_KIND_NAMES
from domain.settings import ResearchSettings
from services.errors import DomainError
from web import labels
from web.current import actor, services, settle
from web.i18n import bilingual

bp = Blueprint("research_settings", __name__, url_prefix="/research")
labels.register(bp)


def _whole(name: str, zh: str, en: str) -> int:
    raw = request.form.get(name, "").strip()
    if not raw.isdigit() or len(raw) > 6:
        raise DomainError(f"{zh}应为整数 / {en} must be a whole number")
    return int(raw)


@bp.get("/settings")
@login_required
def edit() -> ResponseReturnValue:
    current = services().training_hours.settings(actor())
    return render_template("research/settings.html", s=current, kinds=SESSION_KIND_NAMES, form={})


@bp.post("/settings")
@login_required
def save() -> ResponseReturnValue:
    me = actor()
    try:
        hours = {str(kind): _whole(f"hours_{kind}", "学时", "Hours") for kind in SESSION_KIND_NAMES}
        done = services().training_hours.set_settings(
            me,
            ResearchSettings(
                hours=hours,
                required_hours=_whole("required_hours", "年度学时要求", "The yearly hours"),
                school_threshold=_whole("school_threshold", "校数门槛", "The school threshold"),
                mentoring_hours=_whole("mentoring_hours", "师徒活动学时", "Mentoring hours"),
            ),
        )
    except DomainError as exc:
        current = services().training_hours.settings(me)
        page = render_template(
            "research/settings.html",
            s=current,
            kinds=SESSION_KIND_NAMES,
            form=request.form,
            errors=[bilingual(exc)],
        )
        return page, 422
    settle(done.position)
    flash(bilingual("已保存 / Saved"), "ok")
    return redirect(url_for(".edit"))
