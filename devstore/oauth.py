"""OAuth as Shopify does it: authorize (consent page), access_token with the
authorization-code, token-exchange and refresh-token grants, expiring tokens."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

import jwt
from flask import Blueprint, current_app, jsonify, redirect, render_template, render_template_string, request
from jinja2 import TemplateNotFound

from devstore.store import now_iso

bp = Blueprint("devstore_oauth", __name__)

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"
ONLINE = "urn:shopify:params:oauth:token-type:online-access-token"
CODE_TTL = 600


def oauth_hmac(params: dict, secret: str) -> str:
    """Hex HMAC-SHA256 over the sorted `k=v&...` of the params other than hmac/signature."""
    msg = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("hmac", "signature"))
    return hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()


def host_param(state, shop: str) -> str:
    host = f"{state.config.host}:{state.config.port}/{shop}/admin"
    return base64.b64encode(host.encode()).decode()


def _state():
    return current_app.extensions["devstore"]


CONSENT_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Install {{ app_name }} – {{ shop }}</title>
<style>
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;background:#f1f1f1;margin:0}
.card{max-width:560px;margin:60px auto;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.2);padding:32px}
h1{font-size:20px;margin:0 0 8px} .muted{color:#616161} ul{padding-left:20px} li{margin:4px 0}
code{background:#f6f6f7;padding:1px 4px;border-radius:4px}
button{background:#303030;color:#fff;border:0;border-radius:8px;padding:10px 18px;font-size:14px;cursor:pointer}
a.cancel{margin-left:12px;color:#616161}
</style></head><body>
<div class="card" data-devstore="consent">
<h1>Install {{ app_name }}</h1>
<p class="muted">on <strong>{{ shop }}</strong> (devstore)</p>
<p>{{ app_name }} will be able to:</p>
<ul id="scopes">{% for s in scopes %}<li><code>{{ s }}</code> – {{ describe(s) }}</li>{% endfor %}</ul>
{% if online %}<p class="muted">Online access for the current user.</p>{% endif %}
<form method="post" action="{{ action }}">
{% for k, v in hidden %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
<button type="submit" id="install" name="decision" value="install">Install</button>
<a class="cancel" href="{{ cancel }}">Cancel</a>
</form></div></body></html>"""

ERROR_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Oauth error</title></head>
<body style="font-family:sans-serif;max-width:640px;margin:60px auto">
<h1>Oauth error {{ code }}</h1><p id="error">{{ message }}</p></body></html>"""


def _describe(scope: str) -> str:
    verb, _, what = scope.partition("_")
    return ("Read" if verb == "read" else "Modify" if verb == "write" else verb.title()) + " " + what.replace("_", " ")


def _error_page(code, message, status=400):
    return render_template_string(ERROR_HTML, code=code, message=message), status


def _check_authorize(state, shop, args):
    if state.shop(shop) is None:
        return _error_page("shop_not_found", f"There's no store at {shop}.", 404)
    if args.get("client_id") != state.config.api_key:
        return _error_page("invalid_request", "Invalid API key: the client_id is not a known application.")
    redirect_uri = args.get("redirect_uri", "")
    if not state.config.redirect_allowed(redirect_uri):
        return _error_page("invalid_request", "The redirect_uri is not whitelisted: "
                                              f"{redirect_uri or '(missing)'} is not declared in [auth] redirect_urls.")
    return None


@bp.get("/<shop>/admin/oauth/authorize")
def authorize(shop):
    state = _state()
    args = request.args
    err = _check_authorize(state, shop, args)
    if err:
        return err
    scopes = [s.strip() for s in (args.get("scope") or "").split(",") if s.strip()]
    grant = args.getlist("grant_options[]")
    hidden = [("client_id", args.get("client_id")), ("scope", ",".join(scopes)),
              ("redirect_uri", args.get("redirect_uri")), ("state", args.get("state", ""))]
    hidden += [("grant_options[]", g) for g in grant]
    ctx = dict(app_name=state.config.toml.get("name", "App"), shop=shop, scopes=scopes, describe=_describe,
               hidden=hidden, action=f"/{shop}/admin/oauth/authorize", cancel=f"/{shop}/admin",
               online="per-user" in grant)
    try:
        return render_template("oauth_consent.html", **ctx)
    except TemplateNotFound:
        return render_template_string(CONSENT_HTML, **ctx)


@bp.post("/<shop>/admin/oauth/authorize")
def approve(shop):
    state = _state()
    form = request.form
    err = _check_authorize(state, shop, form)
    if err:
        return err
    st = state.shop(shop)
    scopes = [s.strip() for s in (form.get("scope") or "").split(",") if s.strip()]
    grant = form.getlist("grant_options[]")
    state.install(shop, scopes)
    code = secrets.token_hex(16)
    with st.lock:
        st.codes[code] = {"scopes": scopes, "created": time.time(), "used": False,
                          "redirect_uri": form.get("redirect_uri"), "online": "per-user" in grant}
    params = {"code": code, "host": host_param(state, shop), "shop": shop, "state": form.get("state", ""),
              "timestamp": str(int(time.time()))}
    params["hmac"] = oauth_hmac(params, state.config.api_secret)
    ordered = {k: params[k] for k in sorted(params)}
    parts = urlsplit(form.get("redirect_uri"))
    query = parse_qsl(parts.query) + list(ordered.items())
    return redirect(urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), "")), code=302)


# --- tokens ------------------------------------------------------------------------------------

def _params():
    data = request.get_json(silent=True) if request.is_json else None
    if isinstance(data, dict):
        return {k: ("" if v is None else str(v)) for k, v in data.items()}
    return request.form.to_dict() or request.args.to_dict()


def _record(st, state, entry):
    entry.setdefault("at", now_iso())
    entry.setdefault("ts", time.time())
    if st is not None:
        with st.lock:
            st.token_requests.append(entry)
    state.token_requests.append(entry) if hasattr(state, "token_requests") else None


def _fail(st, state, entry, status, error, description):
    entry.update({"ok": False, "status": status, "error": error})
    _record(st, state, entry)
    return jsonify({"error": error, "error_description": description}), status


def issue(state, st, scopes, expiring: bool, online=False, replaces_refresh=None, user_id=None):
    """Issue an access token (and refresh token when expiring). Caller holds st.lock."""
    now = time.time()
    prefix = "shpua_" if online else "shpat_"
    token = prefix + secrets.token_hex(16)
    rec = {"token": token, "scopes": list(scopes), "expiring": expiring, "online": online,
           "created": now, "issued_at": now_iso(), "revoked": False, "used": False}
    body = {"access_token": token, "scope": ",".join(scopes)}
    if expiring and not online:
        # only one expiring token per app and shop is live: a new one revokes older ones
        for t in st.tokens.values():
            if t.get("expiring") and not t.get("online"):
                t["revoked"] = True
        for r in st.refresh_tokens.values():
            if r["token"] != replaces_refresh:
                r["revoked"] = True
        refresh = "shprt_" + secrets.token_hex(16)
        a_ttl, r_ttl = int(state.token_ttl["access"]), int(state.token_ttl["refresh"])
        rec.update({"expires_at": now + a_ttl, "refresh_token": refresh, "replaces_refresh": replaces_refresh})
        st.refresh_tokens[refresh] = {"token": refresh, "access_token": token, "scopes": list(scopes),
                                      "expires_at": now + r_ttl, "revoked": False, "created": now}
        body.update({"expires_in": a_ttl, "refresh_token": refresh, "refresh_token_expires_in": r_ttl})
    elif online:
        rec["expires_at"] = now + 86399
        body.update({"expires_in": 86399, "associated_user_scope": ",".join(scopes),
                     "associated_user": {"id": int(user_id or 1), "first_name": "Dev", "last_name": "Owner",
                                         "email": st.shop.get("email"), "account_owner": True, "locale": "en",
                                         "collaborator": False, "email_verified": True}})
    st.tokens[token] = rec
    return body


@bp.post("/<shop>/admin/oauth/access_token")
def access_token(shop):
    state = _state()
    st = state.shop(shop)
    p = _params()
    grant = p.get("grant_type") or ("authorization_code" if p.get("code") else "")
    entry = {"shop": shop, "grant_type": grant, "client_id": p.get("client_id"),
             "expiring": p.get("expiring") in ("1", "true", "True")}
    if st is None:
        return _fail(None, state, entry, 404, "shop_not_found", f"There's no store at {shop}")
    if p.get("client_id") != state.config.api_key or not hmac.compare_digest(
            p.get("client_secret", ""), state.config.api_secret):
        return _fail(st, state, entry, 401, "invalid_client",
                     "Client authentication failed: unknown client_id or wrong client_secret.")
    expiring = entry["expiring"]
    with st.lock:
        if grant == "authorization_code":
            c = st.codes.get(p.get("code", ""))
            if c is None or c["used"] or time.time() - c["created"] > CODE_TTL:
                return _fail(st, state, entry, 400, "invalid_grant",
                             "The authorization code was not found or was already used")
            c["used"] = True
            if not st.installed:
                return _fail(st, state, entry, 400, "invalid_grant", "The app is not installed on this shop")
            body = issue(state, st, st.granted_scopes, expiring, online=c["online"])
        elif grant == TOKEN_EXCHANGE and p.get("subject_token_type") == OFFLINE:
            # migrating a non-expiring offline token to an expiring one
            body, err = _migrate(state, st, p)
            if err:
                return _fail(st, state, entry, 400, "invalid_subject_token", err)
            entry["migration"] = True
        elif grant == TOKEN_EXCHANGE:
            err = _verify_subject(state, shop, p)
            if err:
                return _fail(st, state, entry, 400, "invalid_subject_token", err)
            requested = p.get("requested_token_type") or OFFLINE
            if requested not in (OFFLINE, ONLINE):
                return _fail(st, state, entry, 400, "invalid_request", f"Unsupported requested_token_type {requested}")
            if not st.installed:  # managed installation: Shopify installs with the toml's scopes
                state.install(shop, state.config.scopes)
            claims = jwt.decode(p["subject_token"], options={"verify_signature": False})
            body = issue(state, st, st.granted_scopes, expiring, online=requested == ONLINE, user_id=claims.get("sub"))
        elif grant == "refresh_token":
            r = st.refresh_tokens.get(p.get("refresh_token", ""))
            if r is None or r["revoked"] or time.time() > r["expires_at"] or not st.installed:
                return _fail(st, state, entry, 400, "invalid_grant",
                             "The refresh token is invalid, expired or revoked")
            entry["expiring"] = True
            r["used"] = True
            body = issue(state, st, r["scopes"], True, replaces_refresh=r["token"])
        else:
            return _fail(st, state, entry, 400, "unsupported_grant_type", f"Unsupported grant_type {grant!r}")
        entry.update({"ok": True, "status": 200, "access_token": body["access_token"][:12] + "…",
                      "refresh_token_issued": "refresh_token" in body})
    _record(st, state, entry)
    return jsonify(body)


MIGRATION_RECOVERY = 7 * 24 * 3600


def _migrate(state, st, p):
    """Token exchange of a non-expiring offline token for an expiring pair. The old token stops
    working; retrying with it within 7 days returns the same pair (access expiry extended)
    until the pair is refreshed or replaced. -> (body, error)"""
    old = st.tokens.get(p.get("subject_token") or "")
    if old is None or old.get("online") or old.get("expiring"):
        return None, "The subject token is not a non-expiring offline access token of this shop"
    done = old.get("migrated_to")
    if done:
        acc = st.tokens.get(done["access_token"])
        ref = st.refresh_tokens.get(done["refresh_token"])
        if (acc and ref and not acc["revoked"] and not ref["revoked"] and not ref.get("used")
                and time.time() - done["at"] < MIGRATION_RECOVERY):
            a_ttl = int(state.token_ttl["access"])
            acc["expires_at"] = max(acc.get("expires_at", 0), time.time() + a_ttl)
            return {"access_token": acc["token"], "scope": ",".join(acc["scopes"]), "expires_in": a_ttl,
                    "refresh_token": ref["token"],
                    "refresh_token_expires_in": max(0, int(ref["expires_at"] - time.time()))}, None
        return None, "The subject token was already exchanged and can no longer be used"
    if old.get("revoked"):
        return None, "The subject token has been revoked"
    body = issue(state, st, old["scopes"], True)
    old["revoked"] = True
    old["migrated_to"] = {"access_token": body["access_token"], "refresh_token": body["refresh_token"],
                          "at": time.time()}
    return body, None


def _verify_subject(state, shop, p) -> str | None:
    if p.get("subject_token_type") != ID_TOKEN:
        return f"subject_token_type must be {ID_TOKEN}"
    tok = p.get("subject_token") or ""
    try:
        claims = jwt.decode(tok, state.config.api_secret, algorithms=["HS256"], audience=state.config.api_key,
                            leeway=10, options={"require": ["exp", "nbf", "iss", "dest", "aud"]})
    except jwt.PyJWTError as e:
        return f"The subject token is invalid: {e}"
    if claims.get("dest") != f"https://{shop}":
        return f"The subject token was issued for another shop ({claims.get('dest')})"
    if claims.get("iss") != f"https://{shop}/admin":
        return "The subject token has a wrong issuer"
    return None
