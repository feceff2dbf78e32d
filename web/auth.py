"""Sign in (rate-limited), sign out, change one's password, switch language."""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required, login_user, logout_user

from services.errors import DomainError
from web.current import (
    SessionUser,
    actor,
    mark_signed_in,
    seen,
    services,
    settle,
    signed_in_at,
)
from web.extensions import login_manager
from web.i18n import LANGUAGES, bilingual
from web.signin import attempt_sign_in

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = ""


@login_manager.user_loader
def load_user(user_id: str) -> SessionUser | None:
    try:
        found = services().people.actor_for_session(
            UUID(user_id), signed_in_at=signed_in_at(), at_least=seen()
        )
    except ValueError:
        return None
    return SessionUser(found) if found else None


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login is a phishing aid.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip().lower()
    password = request.form.get("password", "")
    attempt = attempt_sign_in(username, password, request.remote_addr)
    if attempt.retry_after:
        wait = attempt.retry_after
        message = bilingual(
            f"尝试次数过多，请{wait}秒后再试 / Too many attempts; try again in {wait} s"
        )
        return render_template("login.html", error=message, username=username), 429
    found = attempt.actor
    if found is None:
        message = bilingual("登录名或密码不正确 / Wrong login name or password")
        return render_template("login.html", error=message, username=username), 401
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(SessionUser(found))
    mark_signed_in()
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("password.html")
    new = request.form.get("new", "")
    if new != request.form.get("confirm", ""):
        flash(bilingual("两次输入的新密码不一致 / The new passwords differ"), "error")
        return render_template("password.html"), 422
    try:
        done = services().people.change_own_password(
            actor(), current=request.form.get("current", ""), new=new
        )
    except DomainError as exc:
        flash(bilingual(exc), "error")
        return render_template("password.html"), 422
    settle(done.position)
    mark_signed_in()  # this session goes on; every other one, and every API token, ends
    flash(bilingual("密码已修改 / Password changed"), "ok")
    return redirect(url_for("home.index"))


@bp.get("/lang/<code>")
def language(code: str) -> ResponseReturnValue:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
