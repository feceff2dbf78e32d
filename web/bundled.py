"""The bundled evaluation (捆绑考核) pages of the bureau: the ranking as of a date under the
tenant's formula, a community's drill-down, sealing the year, the formula, and the Excel export.

Each view parses its input, calls one service method and renders; the figures are aggregates
only (``services.bundled_evaluation``)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from domain.assessment_settings import Formula
from services.bundled_evaluation import BundledEvaluation, rating_xlsx
from services.clock import local_date
from services.errors import DomainError
from web import labels
from web.current import actor, parse_id, services, settle
from web.forms import form_date
from web.i18n import bilingual

bp = Blueprint("bundled", __name__, url_prefix="/assessment/bundled")
labels.register(bp)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page needs a signed-in user; the service lets only the bureau in."""


def _evaluation() -> BundledEvaluation:
    return BundledEvaluation(services().assessment, services().progress)


def _when(args: MultiDict[str, str]) -> tuple[int, date]:
    """The year and the as-of day: by default this year as of today, a past year at its end."""
    today = local_date(services().assessment.ctx.clock())
    year_text = args.get("year", "").strip()
    if year_text and (not year_text.isdigit() or not 2000 <= int(year_text) <= 2100):
        abort(400)
    year = int(year_text) if year_text else today.year
    as_of_text = args.get("as_of", "").strip()
    if as_of_text:
        try:
            as_of = date.fromisoformat(as_of_text)
        except ValueError:
            abort(400)
    else:
        as_of = min(today, date(year, 12, 31))
    return year, as_of


def _index(status: int = 200, **context: Any) -> ResponseReturnValue:
    year, as_of = _when(request.args)
    rating = _evaluation().rating(actor(), year=year, as_of=as_of)
    context.setdefault("form", MultiDict())
    return render_template("assessment/bundled.html", rating=rating, **context), status


@bp.get("")
def index() -> ResponseReturnValue:
    return _index()


@bp.get("/communities/<community_id>")
def community(community_id: str) -> ResponseReturnValue:
    year, as_of = _when(request.args)
    detail = _evaluation().detail(actor(), parse_id(community_id), year=year, as_of=as_of)
    return render_template("assessment/bundled_community.html", d=detail, year=year, as_of=as_of)


@bp.get("/export.xlsx")
def export() -> ResponseReturnValue:
    year, as_of = _when(request.args)
    me = actor()
    rating = _evaluation().rating(me, year=year, as_of=as_of)
    tenant = services().assessment.ctx.directory.tenant(me.tenant_id)
    return send_file(
        io.BytesIO(rating_xlsx(rating, tenant.name if tenant else "")),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"捆绑考核-{year}.xlsx",
        max_age=0,
    )


@bp.post("/seal")
def seal() -> ResponseReturnValue:
    form = request.form
    try:
        as_of = form_date(form.get("as_of"), "评价日期 / date of the rating")
        year_text = form.get("year", "").strip()
        if not year_text.isdigit():
            raise DomainError("年度应为数字，如2026 / The year is a number such as 2026")
        year = int(year_text)
        done = _evaluation().seal(actor(), year=year, as_of=as_of)
    except DomainError as exc:
        return _index(422, errors=[bilingual(exc)], form=form)
    settle(done.position)
    flash(bilingual(f"{year}年捆绑考核已封存 / The {year} rating is sealed"), "ok")
    return redirect(url_for(".index", year=year, as_of=as_of.isoformat()))


def _weight(form: MultiDict[str, str], name: str, what: str) -> float:
    text = form.get(name, "").strip()
    zh, en = what.split(" / ", 1)
    try:
        return float(text)
    except ValueError as exc:
        raise DomainError(f"{zh}应为数字 / The {en} must be a number") from exc


@bp.post("/formula")
def formula() -> ResponseReturnValue:
    form = request.form
    try:
        chosen = Formula(
            completion=_weight(form, "completion", "计划完成率权重 / completion weight"),
            narrowing=_weight(form, "narrowing", "差距缩小权重 / narrowing weight"),
            targets=_weight(form, "targets", "目标达成权重 / targets weight"),
            excellent_share=_weight(form, "excellent_percent", "优秀比例 / excellent share") / 100,
        )
        done = _evaluation().set_formula(actor(), chosen)
    except DomainError as exc:
        return _index(422, errors=[bilingual(exc)], form=form)
    settle(done.position)
    flash(bilingual("考核公式已保存 / The formula is saved"), "ok")
    return redirect(url_for(".index"))
