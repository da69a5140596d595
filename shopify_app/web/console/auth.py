"""Who is signed in to the console, and what they may do.

Every console view is decorated with `requires(role)` (or `public` for the sign-in pages):
the role is checked on the server for each request, whatever the page showed. `blueprint()`
refuses a view without either, so a new page cannot forget it. The session is Flask's
signed cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS) through Flask-Login; it ends
after CONSOLE_IDLE_MINUTES without a request, when the operator is disabled, and when
their password changes (the session id carries a fingerprint of the password hash).
"""
from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user

from ... import audit as audit_log
from ...extensions import db
from ...models import Operator, Shop

ROLE_RANK = {"staff": 1, "super_user": 2}
SEEN_KEY = "console_seen"  # seconds since the epoch of the session's last request
login_manager = LoginManager()
login_manager.session_protection = "strong"


class SignedIn:
    """Flask-Login's user: the operator, with the id that ends their sessions when it changes."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, operator: Operator):
        self.operator = operator

    @property
    def is_active(self) -> bool:
        return self.operator.disabled_at is None

    def get_id(self) -> str:
        return session_id(self.operator)


def session_id(operator: Operator) -> str:
    fingerprint = hashlib.sha256(operator.password_hash.encode()).hexdigest()[:16]
    return f"{operator.id}:{fingerprint}"


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    operator_id, _, _fingerprint = user_id.partition(":")
    operator = db.session.get(Operator, int(operator_id)) if operator_id.isdigit() else None
    if operator is None or session_id(operator) != user_id:
        g.console_signed_out = "Your session has ended. Sign in again."
        return None
    if operator.disabled_at is not None:
        g.console_signed_out = "This account is disabled."
        return None
    return SignedIn(operator)


def init_app(app) -> None:
    idle = int(app.config.get("CONSOLE_IDLE_MINUTES") or 30)
    https = app.config["SHOPIFY_APP_URL"].startswith("https://")
    # Flask's defaults are set already (SameSite none, 31 days): these replace them. Only the
    # console keeps anything in Flask's session.
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=https,
                      PERMANENT_SESSION_LIFETIME=timedelta(minutes=idle))
    login_manager.init_app(app)


def current_operator() -> Operator | None:
    return current_user.operator if current_user.is_authenticated else None


def idle_seconds() -> int:
    return int(current_app.config.get("CONSOLE_IDLE_MINUTES") or 30) * 60


def sign_in(operator: Operator) -> None:
    """Start a fresh session for the operator (the caller has checked password and code)."""
    session.clear()
    session.permanent = True
    login_user(SignedIn(operator))
    session[SEEN_KEY] = int(time.time())


def sign_out() -> None:
    logout_user()
    session.clear()


def guard_session():
    """Before every console request: end a session that was idle too long, or whose
    operator was disabled; otherwise note the request's time."""
    signed_in = current_user.is_authenticated  # loads the operator (may note why it could not)
    if not signed_in:
        reason = g.pop("console_signed_out", None)
        if reason:
            sign_out()
            flash(reason, "critical")
        return None
    now = int(time.time())
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int) or now - seen > idle_seconds():
        sign_out()
        flash(f"You were signed out after {idle_seconds() // 60} minutes without activity. Sign in again.",
              "critical")
        return redirect(url_for("console.login", next=safe_next(request.full_path)))
    session[SEEN_KEY] = now
    return None


def safe_next(target: str | None, default: str | None = None) -> str:
    """A console path to go back to after an action or a sign-in; never another site."""
    fallback = default or url_for("console.connections")
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/") or "\\" in target:
        return fallback
    return target.rstrip("?")


def totp_enrolment_required(operator: Operator) -> bool:
    return (bool(current_app.config.get("CONSOLE_REQUIRE_TOTP_FOR_SUPER_USERS"))
            and operator.is_super_user and not operator.totp_enabled)


def requires(role: str = "staff", *, during_enrolment: bool = False):
    """The view needs a signed-in operator of at least `role` ("staff": any operator;
    "super_user"): anonymous requests go to the sign-in page, lesser roles get 403.
    A super user who must enrol a second factor first only reaches views marked
    `during_enrolment` (their account page)."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            operator = current_operator()
            if operator is None:
                flash("Sign in to continue.", "info")
                return redirect(url_for("console.login", next=safe_next(request.full_path)))
            if not during_enrolment and totp_enrolment_required(operator):
                flash("Turn on two-step verification before you continue: super users need it.", "critical")
                return redirect(url_for("console.account"))
            if ROLE_RANK[operator.role] < ROLE_RANK[role]:
                abort(403, "Only super users may do this.")
            return view(*args, **kwargs)

        guarded.console_role = role
        return guarded

    return decorate


def public(view):
    """A view anyone may open (the sign-in pages)."""
    view.console_role = None
    return view


def record(action: str, *, shop: Shop | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None):
    """The audit entry of the signed-in operator's action (joins the caller's transaction)."""
    operator = current_operator()
    if operator is None:
        raise RuntimeError("an operator action needs a signed-in operator")
    return audit_log.record(action, actor_kind="operator", actor=operator.email, shop=shop, before=before, after=after)
