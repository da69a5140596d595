"""The operator console (/console/): its own sign-in, roles, CSRF, pages rendered on the server.

`PAGES` is the one table of its routes; a new console page is a view decorated with
`requires(role)` (auth.py) in a module of this package, and a row here. The console is
never embedded: every answer forbids framing (X-Frame-Options DENY, frame-ancestors
'none') and is not cached (it shows shops' data and, on one page, credentials).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from ..csp import CSP
from . import auth, connections, credentials, throttle, views
from . import audit_log, clone, keys, shop_detail, shop_mappings, shop_settings, stores

# (rule, methods, view); endpoints are `console.<view name>`.
PAGES: tuple[tuple[str, tuple[str, ...], Callable], ...] = (
    ("/login", ("GET", "POST"), views.login),
    ("/login/code", ("GET", "POST"), views.login_code),
    ("/logout", ("POST",), views.logout),
    ("/account", ("GET",), views.account),
    ("/account/totp/start", ("POST",), views.totp_start),
    ("/account/totp/confirm", ("POST",), views.totp_confirm),
    ("/account/totp/off", ("POST",), views.totp_off),
    ("/", ("GET",), connections.connections),
    ("/shops/<domain>/favorite", ("POST",), connections.favorite),
    ("/shops/<domain>/unfavorite", ("POST",), connections.unfavorite),
    ("/shops/<domain>/deactivate", ("POST",), connections.deactivate),
    ("/shops/<domain>/activate", ("POST",), connections.activate),
    ("/shops/<domain>/credentials", ("GET", "POST"), credentials.credentials),
    # A connection's page and its actions (engineer H).
    ("/shops/<domain>", ("GET",), shop_detail.shop_detail),
    ("/shops/<domain>/runs/<flow>", ("GET",), shop_detail.shop_runs),
    ("/shops/<domain>/sync/<flow>", ("POST",), shop_detail.sync_now),
    ("/shops/<domain>/orders/retry", ("POST",), shop_detail.retry_one_order),
    ("/shops/<domain>/reconcile", ("POST",), shop_detail.reconcile_now),
    ("/shops/<domain>/settings/upload-refunds", ("POST",), shop_settings.set_upload_refunds),
    ("/shops/<domain>/settings/access", ("POST",), shop_settings.set_access),
    ("/shops/<domain>/settings/product-store", ("POST",), shop_settings.set_product_store),
    ("/shops/<domain>/scopes/refresh", ("POST",), shop_settings.scopes_refresh),
    ("/shops/<domain>/token/refresh", ("POST",), shop_settings.token_refresh),
    ("/shops/<domain>/locations/<int:location_id>", ("POST",), shop_mappings.location_update),
    ("/shops/<domain>/locations/<int:location_id>/facility", ("POST",), shop_mappings.location_facility),
    ("/shops/<domain>/mappings/<kind>", ("POST",), shop_mappings.mapping_update),
    ("/shops/<domain>/clone", ("GET", "POST"), clone.clone_settings),
    ("/shops/<domain>/clone/confirm", ("POST",), clone.clone_confirm),
    ("/stores", ("GET",), stores.stores),
    ("/stores/new", ("POST",), stores.store_create),
    ("/stores/<int:store_id>/link", ("POST",), stores.store_link),
    ("/stores/<int:store_id>/unlink", ("POST",), stores.store_unlink),
    ("/keys", ("GET",), keys.keys),
    ("/keys/new", ("POST",), keys.key_create),
    ("/keys/<int:key_id>/revoke", ("POST",), keys.key_revoke),
    ("/audit", ("GET",), audit_log.audit),
)

csrf = CSRFProtect()
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def blueprint() -> Blueprint:
    bp = Blueprint("console", __name__, url_prefix="/console")
    for rule, methods, view in PAGES:
        if not hasattr(view, "console_role"):
            raise RuntimeError(f"console view {view.__name__} has neither @requires(role) nor @public")
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=list(methods))
    bp.record_once(init_extensions)
    bp.before_request(protect)
    bp.after_request(console_headers)
    bp.register_error_handler(HTTPException, console_error)
    bp.context_processor(lambda: {"operator": auth.current_operator()})
    return bp


def init_extensions(state) -> None:
    app = state.app
    # CSRF is checked for the console only (protect() below): the JSON API, the webhooks
    # and the OMS API authenticate otherwise, and have no session to forge requests with.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # A token lives as long as the session; the session ends after CONSOLE_IDLE_MINUTES idle.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    auth.init_app(app)
    throttle.init_app(app)


def protect():
    # What Flask-Login and Flask-WTF cache in `g` is per request; an app context can outlive
    # one (the tests keep one open across requests), so start from nothing.
    for cached in ("_login_user", "csrf_token"):
        g.pop(cached, None)
    redirect_to_login = auth.guard_session()
    if redirect_to_login is not None:
        return redirect_to_login  # the session ended: the view does not run
    if request.method not in SAFE_METHODS:
        csrf.protect()  # 400 (CSRFError) when the token is missing or wrong: nothing changes
    return None


def console_headers(response):
    response.headers["X-Frame-Options"] = "DENY"
    # Scripts from our origin only (no App Bridge here); forms post to the console only.
    response.headers[CSP] = ("frame-ancestors 'none'; script-src 'self'; object-src 'none'; base-uri 'self'; "
                             "form-action 'self';")
    response.headers["Cache-Control"] = "no-store"
    return response


def console_error(exc: HTTPException):
    message = exc.description
    if isinstance(exc, CSRFError):
        message = ("This form was not sent from this console session (its security token is missing, "
                   "wrong or expired). Nothing was changed. Reload the page and try again.")
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return render_template("console/error.html", status=exc.code, title=exc.name, message=message), exc.code, headers
