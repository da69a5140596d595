"""Every console action, per role, checked on the server; CSRF on every state-changing
request; the quick actions (favorite, deactivate, activate, copy credentials) and their
audit entries; the console's headers."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import AuditEntry, Operator, OperatorFavorite, Shop
from shopify_app.web import console
from tests.conftest import API_KEY, API_SECRET, SHOP
from tests.console_support import PASSWORD, cheap_password_hashing, csrf_token, make_operator, sign_in, signed_in_token  # noqa: F401

SHOP_PATH = f"/console/shops/{SHOP}"
# (method, path, form): every console route; the role needed is in ROLE_OF.
ACTIONS = [
    ("GET", "/console/", {}),
    ("GET", "/console/account", {}),
    ("POST", "/console/account/totp/start", {}),
    ("POST", "/console/account/totp/confirm", {"code": "000000"}),
    ("POST", "/console/account/totp/off", {"code": "000000"}),
    ("POST", f"{SHOP_PATH}/favorite", {}),
    ("POST", f"{SHOP_PATH}/unfavorite", {}),
    ("POST", f"{SHOP_PATH}/deactivate", {}),
    ("POST", f"{SHOP_PATH}/activate", {}),
    ("GET", f"{SHOP_PATH}/credentials", {}),
    ("POST", f"{SHOP_PATH}/credentials", {"password": PASSWORD}),
]
SUPER_USER_ONLY = {f"{SHOP_PATH}/credentials"}
PUBLIC = {("GET", "/console/login"), ("POST", "/console/login"), ("GET", "/console/login/code"),
          ("POST", "/console/login/code"), ("POST", "/console/logout")}


# The connection page's, the stores', keys' and audit log's routes: their roles and CSRF are
# checked route by route in test_console_shop_pages.py (super_user_actions and the staff list).
SHOP_PAGES = {
    ("GET", "/shops/<domain>"), ("GET", "/shops/<domain>/runs/<flow>"), ("POST", "/shops/<domain>/sync/<flow>"),
    ("POST", "/shops/<domain>/orders/retry"), ("POST", "/shops/<domain>/reconcile"),
    ("POST", "/shops/<domain>/settings/upload-refunds"), ("POST", "/shops/<domain>/settings/access"),
    ("POST", "/shops/<domain>/settings/product-store"), ("POST", "/shops/<domain>/scopes/refresh"),
    ("POST", "/shops/<domain>/token/refresh"), ("POST", "/shops/<domain>/locations/<int:location_id>"),
    ("POST", "/shops/<domain>/locations/<int:location_id>/facility"), ("POST", "/shops/<domain>/mappings/<kind>"),
    ("GET", "/shops/<domain>/clone"), ("POST", "/shops/<domain>/clone"), ("POST", "/shops/<domain>/clone/confirm"),
    ("GET", "/stores"), ("POST", "/stores/new"), ("POST", "/stores/<int:store_id>/link"),
    ("POST", "/stores/<int:store_id>/unlink"), ("GET", "/keys"), ("POST", "/keys/new"),
    ("POST", "/keys/<int:key_id>/revoke"), ("GET", "/audit"),
}


def test_every_console_route_is_in_the_permission_table():
    rules = {(method, rule) for rule, methods, _ in console.PAGES for method in methods}
    routes = {(m, "/console" + r.replace("<domain>", SHOP).rstrip("/") or "/console/")
              for m, r in rules - SHOP_PAGES}
    routes = {(m, p if p != "/console" else "/console/") for m, p in routes}
    assert routes == {(m, p) for m, p, _ in ACTIONS} | PUBLIC
    assert SHOP_PAGES <= rules


def test_a_view_without_a_role_cannot_be_registered(monkeypatch):
    def naked():
        return "no check"

    monkeypatch.setattr(console, "PAGES", console.PAGES + (("/naked", ("GET",), naked),))
    with pytest.raises(RuntimeError, match="naked"):
        console.blueprint()


@pytest.fixture
def operators_and_shop(app, shop):
    make_operator("boss@example.com", "super_user")
    make_operator("staff@example.com", "staff")
    return shop


@pytest.mark.parametrize("method, path, form", ACTIONS)
def test_an_anonymous_visitor_is_sent_to_sign_in_and_nothing_changes(app, operators_and_shop, method, path, form):
    client = app.test_client()
    token = csrf_token(client)
    before = audit_count()
    response = client.open(path, method=method, data={**form, "csrf_token": token} if method == "POST" else None)
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/login")
    assert audit_count() == before


@pytest.mark.parametrize("method, path, form", ACTIONS)
@pytest.mark.parametrize("role", ["staff", "super_user"])
def test_each_action_is_allowed_or_refused_by_role_on_the_server(app, operators_and_shop, method, path, form, role):
    client = app.test_client()
    token = signed_in_token(client, "boss@example.com" if role == "super_user" else "staff@example.com")
    before = audit_count()
    response = client.open(path, method=method, data={**form, "csrf_token": token} if method == "POST" else None)
    if role == "staff" and path in SUPER_USER_ONLY:
        assert response.status_code == 403
        assert "Only super users may do this." in response.get_data(as_text=True)
        assert audit_count() == before
    else:
        assert response.status_code in (200, 302, 303, 400), response.get_data(as_text=True)[:300]
        assert response.status_code != 400 or path.endswith("/totp/off")  # off while not on: 400


def test_staff_get_403_on_credentials_and_no_reveal_is_recorded(app, operators_and_shop):
    client = app.test_client()
    token = signed_in_token(client, "staff@example.com")
    response = client.post(f"{SHOP_PATH}/credentials", data={"csrf_token": token, "password": PASSWORD})
    assert response.status_code == 403
    assert "shpat_test" not in response.get_data(as_text=True)
    assert db.session.query(AuditEntry).filter_by(action="credentials.reveal").count() == 0


def state_snapshot():
    db.session.expire_all()
    shops = [(s.domain, s.status) for s in db.session.execute(select(Shop)).scalars()]
    favorites = db.session.execute(select(func.count()).select_from(OperatorFavorite)).scalar_one()
    operators = [(o.email, o.totp_enabled, o.totp_secret_encrypted, o.last_login_at)
                 for o in db.session.execute(select(Operator)).scalars()]
    return shops, favorites, operators, audit_count()


def audit_count() -> int:
    return db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


POSTS = [(p, f) for m, p, f in ACTIONS if m == "POST"] + [
    ("/console/login", {"email": "boss@example.com", "password": PASSWORD}), ("/console/logout", {})]


@pytest.mark.parametrize("path, form", POSTS)
@pytest.mark.parametrize("token", [None, "wrong", "another session's"])
def test_a_post_without_the_right_csrf_token_answers_400_and_changes_nothing(app, operators_and_shop, path, form,
                                                                             token):
    db.session.add(OperatorFavorite(operator_id=1, shop_id=operators_and_shop.id))
    db.session.commit()
    client = app.test_client()
    signed_in_token(client)
    if token == "another session's":
        token = csrf_token(app.test_client())
    before = state_snapshot()
    data = dict(form, **({"csrf_token": token} if token else {}))
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert state_snapshot() == before
    assert client.get("/console/").status_code == 200  # still signed in: logout did not happen


def test_other_surfaces_keep_their_own_authentication_without_csrf(app, shop, auth_headers):
    response = app.test_client().post("/api/sync/products/run", headers=auth_headers())
    assert response.status_code == 202


def test_console_pages_cannot_be_framed_and_are_not_cached(app):
    response = app.test_client().get(f"/console/login?shop={SHOP}")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"].startswith("frame-ancestors 'none';")
    assert SHOP not in response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    unknown = app.test_client().get(f"/console/nowhere?shop={SHOP}")
    assert unknown.status_code == 404
    assert unknown.headers["Content-Security-Policy"].startswith("frame-ancestors 'none';")


# --- quick actions ---------------------------------------------------------------------------

def entries(action: str) -> list[AuditEntry]:
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def test_favorite_and_unfavorite_are_per_operator_and_audited(app, operators_and_shop):
    client = app.test_client()
    token = signed_in_token(client)
    response = client.post(f"{SHOP_PATH}/favorite", data={"csrf_token": token, "next": "/console/?q=test"})
    assert response.status_code == 303 and response.headers["Location"] == "/console/?q=test"
    client.post(f"{SHOP_PATH}/favorite", data={"csrf_token": token})  # twice: still one
    assert db.session.execute(select(OperatorFavorite.operator_id)).scalars().all() == [1]
    assert [(e.actor, e.shop_domain, e.before, e.after) for e in entries("shop.favorite")] == [
        ("boss@example.com", SHOP, {"favorite": False}, {"favorite": True})]
    page = client.get("/console/").get_data(as_text=True)
    assert "is one of your favorites." in page
    client.post(f"{SHOP_PATH}/unfavorite", data={"csrf_token": token})
    assert db.session.execute(select(func.count()).select_from(OperatorFavorite)).scalar_one() == 0
    assert len(entries("shop.unfavorite")) == 1


def test_an_action_never_redirects_to_another_site(app, operators_and_shop):
    client = app.test_client()
    token = signed_in_token(client)
    response = client.post(f"{SHOP_PATH}/favorite", data={"csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/console/"


def test_deactivate_and_activate_switch_the_shop_and_are_audited(app, operators_and_shop):
    client = app.test_client()
    token = signed_in_token(client, "staff@example.com")
    client.post(f"{SHOP_PATH}/deactivate", data={"csrf_token": token})
    db.session.refresh(operators_and_shop)
    assert operators_and_shop.status == "inactive"
    assert "is inactive" in client.get("/console/").get_data(as_text=True)
    client.post(f"{SHOP_PATH}/activate", data={"csrf_token": token})
    db.session.refresh(operators_and_shop)
    assert operators_and_shop.status == "active"
    assert [(e.actor_kind, e.actor, e.before, e.after) for e in entries("shop.deactivate") + entries("shop.activate")] == [
        ("operator", "staff@example.com", {"status": "active"}, {"status": "inactive"}),
        ("operator", "staff@example.com", {"status": "inactive"}, {"status": "active"})]


def test_an_uninstalled_shop_cannot_be_activated_and_the_operator_is_told_why(app, operators_and_shop):
    operators_and_shop.status = "uninstalled"
    db.session.commit()
    client = app.test_client()
    token = signed_in_token(client)
    response = client.post(f"{SHOP_PATH}/activate", data={"csrf_token": token})
    assert response.status_code == 303
    assert "the merchant must install the app again" in client.get("/console/").get_data(as_text=True)
    db.session.refresh(operators_and_shop)
    assert operators_and_shop.status == "uninstalled" and entries("shop.activate") == []


def test_an_action_on_an_unknown_shop_answers_404(app, operators_and_shop):
    client = app.test_client()
    token = signed_in_token(client)
    assert client.post("/console/shops/nope.myshopify.com/deactivate", data={"csrf_token": token}).status_code == 404


# --- copy credentials -------------------------------------------------------------------------

def test_credentials_are_shown_only_after_the_password_and_each_reveal_is_audited(app, operators_and_shop):
    client = app.test_client()
    token = signed_in_token(client)
    listing = client.get("/console/").get_data(as_text=True)
    confirm = client.get(f"{SHOP_PATH}/credentials")
    for page in (listing, confirm.get_data(as_text=True)):
        assert "shpat_test" not in page and API_SECRET not in page
    wrong = client.post(f"{SHOP_PATH}/credentials", data={"csrf_token": token, "password": "not my password!"})
    assert wrong.status_code == 401 and "shpat_test" not in wrong.get_data(as_text=True)
    assert entries("credentials.reveal") == []

    shown = client.post(f"{SHOP_PATH}/credentials", data={"csrf_token": token, "password": PASSWORD})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    assert "shpat_test" in page and API_KEY in page and API_SECRET in page
    [entry] = entries("credentials.reveal")
    assert (entry.actor_kind, entry.actor, entry.shop_domain) == ("operator", "boss@example.com", SHOP)
    stored = json.dumps([entry.before, entry.after])
    assert "shpat_test" not in stored and API_SECRET not in stored


def test_wrong_passwords_on_the_confirmation_page_are_throttled(app, operators_and_shop):
    client = app.test_client()
    token = signed_in_token(client)
    for _ in range(5):
        client.post(f"{SHOP_PATH}/credentials", data={"csrf_token": token, "password": "not my password!"})
    refused = client.post(f"{SHOP_PATH}/credentials", data={"csrf_token": token, "password": PASSWORD})
    assert refused.status_code == 429 and "shpat_test" not in refused.get_data(as_text=True)
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)


def test_a_token_no_key_decrypts_is_reported_not_a_500(app, operators_and_shop):
    operators_and_shop.access_token_encrypted = "not-fernet"
    db.session.commit()
    client = app.test_client()
    token = signed_in_token(client)
    shown = client.post(f"{SHOP_PATH}/credentials", data={"csrf_token": token, "password": PASSWORD})
    assert shown.status_code == 200
    assert "does not decrypt" in shown.get_data(as_text=True)


def test_a_staff_operator_sees_no_copy_credentials_button(app, operators_and_shop):
    client = app.test_client()
    signed_in_token(client, "staff@example.com")
    assert 'data-testid="credentials"' not in client.get("/console/").get_data(as_text=True)
    boss = app.test_client()
    signed_in_token(boss)
    assert 'data-testid="credentials"' in boss.get("/console/").get_data(as_text=True)
