"""Sign in (rate-limited), sign out, change one's password, see and end one's sessions, switch
language."""

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
from flask_login import current_user, login_required, login_user, logout_user

from services.errors import DomainError
from web.current import (
    SessionUser,
    actor,
    parse_id,
    remember_session,
    services,
    settle,
)
from web.current import session_id as current_session
from web.extensions import login_manager
from web.i18n import LANGUAGES, bilingual
from web.signin import attempt_sign_in

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = ""


@login_manager.user_loader
def load_user(user_id: str) -> SessionUser | None:
    current = current_session()
    if current is None:
        return None
    try:
        found = services().people.actor_for_session(UUID(user_id), current)
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
    attempt = attempt_sign_in(username, password, request.remote_addr, kind="web")
    if attempt.retry_after:
        wait = attempt.retry_after
        message = bilingual(
            f"尝试次数过多，请{wait}秒后再试 / Too many attempts; try again in {wait} s"
        )
        return render_template("login.html", error=message, username=username), 429
    signed_in = attempt.signed_in
    if signed_in is None:
        message = bilingual("登录名或密码不正确 / Wrong login name or password")
        return render_template("login.html", error=message, username=username), 401
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(SessionUser(signed_in.actor))
    remember_session(signed_in.session_id)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    current = current_session()
    if current_user.is_authenticated and current is not None:
        # Ended on the server too: a copy of this cookie opens nothing afterwards.
        services().people.end_sessions(actor(), [current])
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
    # The new password ended every session and token, this one too: it goes on as a new one.
    who = actor()
    assert who.user_id is not None
    renewed, _ = services().people.start_session(
        who.user_id,
        kind="web",
        address=request.remote_addr or "-",
        agent=request.headers.get("User-Agent", ""),
    )
    remember_session(renewed)
    flash(bilingual("密码已修改 / Password changed"), "ok")
    return redirect(url_for("home.index"))


@bp.get("/sessions")
@login_required
def sessions() -> ResponseReturnValue:
    return render_template(
        "sessions.html", sessions=services().people.sessions(actor()), current=current_session()
    )


@bp.post("/sessions/<session_id>/end")
@login_required
def end_session(session_id: str) -> ResponseReturnValue:
    ending = parse_id(session_id)
    try:
        services().people.end_sessions(actor(), [ending])
    except DomainError as exc:
        flash(bilingual(exc), "error")
        return redirect(url_for("auth.sessions"))
    if ending == current_session():
        logout_user()
        session.clear()
        return redirect(url_for("auth.login"))
    flash(bilingual("已结束 / Ended"), "ok")
    return redirect(url_for("auth.sessions"))


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions() -> ResponseReturnValue:
    current = current_session()
    assert current is not None  # a signed-in page session always has one
    try:
        services().people.end_other_sessions(actor(), current)
    except DomainError as exc:
        flash(bilingual(exc), "error")
    else:
        flash(bilingual("其他会话已全部结束 / Every other session has ended"), "ok")
    return redirect(url_for("auth.sessions"))


@bp.get("/lang/<code>")
def language(code: str) -> ResponseReturnValue:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
