"""The bureau's settings: community types and each plan year's numbers."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from domain.counting import TASK_KIND_NAMES
from domain.settings import Checkpoint, PlanYearSettings
from services.errors import DomainError
from web.communities.blueprint import (
    CHECKPOINT_ROWS,
    bp,
)
from web.communities.forms import (
    _done,
    _failed,
    _int,
    _number,
    _year_arg,
)
from web.current import actor, services
from web.forms import form_date


def _settings_page(year: int | None, **context: Any) -> ResponseReturnValue:
    page = services().communities.settings_page(actor(), year)
    template = "communities/settings.html"
    context.setdefault("checkpoint_rows", CHECKPOINT_ROWS)
    if "errors" in context:
        return _failed(template, context.pop("errors"), page=page, **context)
    return render_template(template, page=page, **context)


@bp.get("/settings")
def settings() -> ResponseReturnValue:
    return _settings_page(_year_arg(request.args.get("year")))


@bp.post("/settings/types")
def set_type() -> ResponseReturnValue:
    me, form = actor(), request.form
    key = form.get("key", "").strip()
    try:
        raw_max = form.get("max_schools", "").strip()
        max_schools = _int(raw_max, "学校数上限 / school limit") if raw_max else None
        if key:
            done = services().communities.set_community_type(
                me, key=key, name=form.get("name", ""), max_schools=max_schools
            )
        else:
            done = services().communities.add_community_type(
                me, name=form.get("name", ""), max_schools=max_schools
            )
    except DomainError as exc:
        return _settings_page(None, errors=exc, failed=f"type-{key}")
    return _done(done, "教共体类型已保存 / Community type saved", url_for(".settings") + "#types")


def _plan_year(year: int, form: MultiDict[str, str]) -> PlanYearSettings:
    checkpoints = []
    for n in range(CHECKPOINT_ROWS):
        due, percent = form.get(f"due-{n}", "").strip(), form.get(f"required-{n}", "").strip()
        if not due and not percent:
            continue
        required = _number(percent, "检查点比例 / checkpoint percentage", default=0)
        checkpoints.append(
            Checkpoint(form_date(due, "检查点日期 / checkpoint date"), required / 100)
        )
    targets: dict[str, int] = {}
    for kind, label in TASK_KIND_NAMES.items():
        zh, en = label.split(" / ", 1)
        targets[kind] = _int(form.get(f"target-{kind}"), f"{zh}的目标 / target of {en}", default=0)
    return PlanYearSettings(
        year=year,
        checkpoints=sorted(checkpoints, key=lambda c: c.due),
        targets=targets,
        plan_deadline=form_date(form.get("plan_deadline"), "计划提交截止日期 / plan deadline"),
        shadow_placement_days=_int(form.get("shadow_placement_days"), "跟岗天数 / placement days"),
        mentor_max_mentees=_int(form.get("mentor_max_mentees"), "导师带徒上限 / mentee limit"),
    )


@bp.post("/settings/years/<int:year>")
def set_plan_year(year: int) -> ResponseReturnValue:
    me = actor()
    try:
        done = services().communities.set_plan_year(me, _plan_year(year, request.form))
    except DomainError as exc:
        return _settings_page(year, errors=exc, failed="year")
    return _done(
        done, "计划年度设置已保存 / Plan year saved", url_for(".settings", year=year) + "#year"
    )
