"""The landing page after sign-in: what this person can do, by role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from domain.roles import Role
from web.current import actor, services

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return home()


@login_required
def home() -> ResponseReturnValue:
    me = actor()
    tenant = services().queries.own_tenant(me)
    return render_template("home.html", me=me, tenant=tenant, Role=Role)
