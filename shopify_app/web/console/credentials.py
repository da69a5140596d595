"""Copy credentials (super users only): the shop's Admin API access token and the app's
client id and secret, shown only on the answer to a POST that re-entered the operator's
password. The confirmation page carries none of them; the answer is never cached; every
reveal is in the audit log (which names what was shown, never the values)."""
from __future__ import annotations

from flask import current_app, render_template, request

from ... import operators
from ...crypto import TokenDecryptionError, decrypt_token
from ...extensions import db
from . import throttle
from .auth import current_operator, record, requires, safe_next
from .connections import shop_or_404
from .forms import PasswordConfirmForm

REVEALED = ["access_token", "client_id", "client_secret"]


@requires("super_user")
def credentials(domain: str):
    shop = shop_or_404(domain)
    operator = current_operator()
    form = PasswordConfirmForm()
    back = safe_next(request.values.get("next"))
    if request.method == "GET":
        form.next.data = back
        return render_template("console/credentials_confirm.html", shop=shop, form=form, back=back)
    refusal = throttle.refusal(operator.email)
    if refusal is not None:
        form.password.errors = [refusal.message]
        return (render_template("console/credentials_confirm.html", shop=shop, form=form, back=back), 429,
                {"Retry-After": str(refusal.retry_after_seconds)})
    if not form.validate() or not operators.password_matches(operator, form.password.data):
        throttle.count_failure(operator.email)
        form.password.errors = ["That is not your password. Nothing was shown."]
        return render_template("console/credentials_confirm.html", shop=shop, form=form, back=back), 401
    try:
        token = decrypt_token(shop.access_token_encrypted)
        token_problem = None if token else "No access token is stored for this shop (it is not connected)."
    except TokenDecryptionError:
        token, token_problem = None, "The stored token does not decrypt with any TOKEN_ENCRYPTION_KEY."
    record("credentials.reveal", shop=shop, after={"revealed": REVEALED if token else REVEALED[1:]})
    db.session.commit()
    return render_template("console/credentials.html", shop=shop, token=token, token_problem=token_problem,
                           client_id=current_app.config["SHOPIFY_API_KEY"],
                           client_secret=current_app.config["SHOPIFY_API_SECRET"], back=back)
