"""Signing in and out of the console, and the operator's own account (two-step verification)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import qrcode
import qrcode.image.svg
from flask import abort, flash, redirect, render_template, request, session, url_for

from ... import operators
from ...extensions import db
from ...models import Operator
from . import throttle
from .auth import current_operator, public, record, requires, safe_next, sign_in, sign_out
from .forms import CodeForm, SignInForm

PENDING_KEY = "console_totp_pending"  # {"id", "at", "next"}: password checked, code not yet
PENDING_SECONDS = 300


def refused(refusal: throttle.Refusal, template: str, **context):
    flash(refusal.message, "critical")
    return render_template(template, **context), 429, {"Retry-After": str(refusal.retry_after_seconds)}


def finish_sign_in(operator: Operator, target: str):
    operator.last_login_at = datetime.now(timezone.utc)
    sign_in(operator)
    record("operator.sign_in")
    db.session.commit()
    return redirect(safe_next(target))


@public
def login():
    if current_operator() is not None and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return render_template("console/login.html", form=form)
    account = operators.normalise_email(form.email.data)
    refusal = throttle.refusal(account)
    if refusal is not None:
        return refused(refusal, "console/login.html", form=form)
    if not form.validate():
        return render_template("console/login.html", form=form), 400
    operator = operators.find_operator(account)
    matches = operators.password_matches(operator, form.password.data)
    if not matches or not operators.can_sign_in(operator):
        if not matches:
            throttle.count_failure(account)
        # The same words for an unknown email, a wrong password and a disabled account.
        form.password.errors = ["The email or password is not right, or the account is disabled."]
        return render_template("console/login.html", form=form), 401
    db.session.commit()  # a rehashed password, if any
    if operator.totp_enabled:
        session.clear()
        session[PENDING_KEY] = {"id": operator.id, "at": int(time.time()), "next": form.next.data or ""}
        return redirect(url_for("console.login_code"))
    return finish_sign_in(operator, form.next.data)


def pending_operator() -> tuple[Operator | None, str]:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        return None, ""
    operator = db.session.get(Operator, pending.get("id"))
    return (operator if operators.can_sign_in(operator) else None), str(pending.get("next") or "")


@public
def login_code():
    operator, target = pending_operator()
    if operator is None:
        session.pop(PENDING_KEY, None)
        flash("Sign in with your email and password first.", "info")
        return redirect(url_for("console.login"))
    form = CodeForm()
    if request.method == "GET":
        return render_template("console/login_code.html", form=form)
    refusal = throttle.refusal(operator.email)
    if refusal is not None:
        return refused(refusal, "console/login_code.html", form=form)
    if not form.validate() or not operators.code_is_valid(operator, form.code.data):
        throttle.count_failure(operator.email)
        form.code.errors = ["That code is not right. Enter the code your app shows now."]
        return render_template("console/login_code.html", form=form), 401
    if not throttle.first_use_of_code(operator.email, form.code.data):
        throttle.count_failure(operator.email)
        form.code.errors = ["That code was used already. Wait for your app to show the next one."]
        return render_template("console/login_code.html", form=form), 401
    return finish_sign_in(operator, target)


@public
def logout():
    operator = current_operator()
    if operator is not None:
        record("operator.sign_out")
        db.session.commit()
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("console.login"))


@requires("staff", during_enrolment=True)
def account():
    operator = current_operator()
    secret = operators.pending_totp_secret(operator)
    uri = operators.provisioning_uri(operator, secret) if secret else None
    response = render_template("console/account.html", operator=operator, secret=secret, uri=uri,
                               qr_svg=qr_svg(uri) if uri else None, form=CodeForm())
    return response, 200, {"Cache-Control": "no-store"}


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, made here (no image service)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@requires("staff", during_enrolment=True)
def totp_start():
    operator = current_operator()
    try:
        operators.start_totp_enrolment(operator)
    except operators.OperatorError as exc:
        flash(str(exc).capitalize() + ".", "critical")
        return redirect(url_for("console.account"))
    db.session.commit()
    flash("Add the key to your authenticator app, then enter the code it shows.", "info")
    return redirect(url_for("console.account"))


@requires("staff", during_enrolment=True)
def totp_confirm():
    operator = current_operator()
    form = CodeForm()
    if not form.validate() or not operators.confirm_totp(operator, form.code.data):
        flash("That code is not right; two-step verification is still off. Enter the code your app shows now.",
              "critical")
        return redirect(url_for("console.account"))
    record("operator.totp_on", before={"two_step": False}, after={"two_step": True})
    db.session.commit()
    flash("Two-step verification is on: signing in now asks for a code.", "success")
    return redirect(url_for("console.account"))


@requires("staff", during_enrolment=True)
def totp_off():
    operator = current_operator()
    if not operator.totp_enabled:
        abort(400, "Two-step verification is not on.")
    form = CodeForm()
    if not form.validate() or not operators.code_is_valid(operator, form.code.data):
        flash("That code is not right; two-step verification is still on.", "critical")
        return redirect(url_for("console.account"))
    operators.turn_off_totp(operator)
    record("operator.totp_off", before={"two_step": True}, after={"two_step": False})
    db.session.commit()
    flash("Two-step verification is off.", "success")
    return redirect(url_for("console.account"))
