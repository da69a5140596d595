"""The console's sign-in: passwords, sessions (idle expiry, disabled operators, cookie
flags), the throttle of failed attempts, and the TOTP second factor."""
from __future__ import annotations

import time

import pyotp
import pytest

from shopify_app import create_app, operators
from shopify_app.extensions import db
from shopify_app.models import AuditEntry, Operator
from shopify_app.web.console.auth import SEEN_KEY
from tests.conftest import base_env
from tests.console_support import PASSWORD, cheap_password_hashing, csrf_token, make_operator, sign_in, signed_in_token  # noqa: F401


def test_the_console_asks_an_anonymous_visitor_to_sign_in(app):
    response = app.test_client().get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login?next=/console/"


def test_an_operator_signs_in_with_the_right_password_and_the_sign_in_is_audited(app):
    make_operator()
    client = app.test_client()
    response = sign_in(client, email="  BOSS@example.com ")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    entry = db.session.query(AuditEntry).filter_by(action="operator.sign_in").one()
    assert (entry.actor_kind, entry.actor) == ("operator", "boss@example.com")
    assert db.session.get(Operator, 1).last_login_at is not None


def test_the_password_is_stored_as_an_argon2id_hash(app):
    operator = make_operator()
    assert operator.password_hash.startswith("$argon2id$")
    assert PASSWORD not in operator.password_hash


def test_production_hashes_use_argon2id_at_rfc_9106s_cost(monkeypatch):
    from argon2 import Type, extract_parameters

    monkeypatch.undo()  # the module's own hasher, not the tests' cheap one
    parameters = extract_parameters(operators.hasher.hash("a long enough password"))
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 64 * 1024 and parameters.time_cost >= 3


def test_a_wrong_password_or_an_unknown_email_is_refused_with_the_same_words(app):
    make_operator()
    client = app.test_client()
    wrong = sign_in(client, password="not the password at all")
    unknown = sign_in(client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or password is not right" in wrong.get_data(as_text=True)
    assert "The email or password is not right" in unknown.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_sign_in_goes_back_to_the_console_page_asked_for_but_never_to_another_site(app):
    make_operator()
    client = app.test_client()
    assert sign_in(client, next="/console/account").headers["Location"] == "/console/account"
    other = app.test_client()
    assert sign_in(other, next="https://evil.example/console/").headers["Location"] == "/console/"
    third = app.test_client()
    assert sign_in(third, next="//evil.example/console/").headers["Location"] == "/console/"


def test_a_disabled_operator_cannot_sign_in(app):
    operator = make_operator()
    operators.disable_operator(operator)
    db.session.commit()
    client = app.test_client()
    assert sign_in(client).status_code == 401
    assert client.get("/console/").status_code == 302


def test_a_disabled_operator_is_signed_out_at_their_next_request(app):
    operator = make_operator()
    client = app.test_client()
    signed_in_token(client)
    assert client.get("/console/").status_code == 200
    operators.disable_operator(operator)
    db.session.commit()
    response = client.get("/console/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/login")
    page = client.get("/console/login").get_data(as_text=True)
    assert "This account is disabled." in page
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_a_password_change_ends_the_operators_sessions(app):
    operator = make_operator()
    client = app.test_client()
    signed_in_token(client)
    operator.password_hash = operators.hasher.hash("another long password")
    db.session.commit()
    assert client.get("/console/").status_code == 302


def test_a_session_idle_longer_than_the_setting_ends(app):
    app.config["CONSOLE_IDLE_MINUTES"] = 30
    make_operator()
    client = app.test_client()
    signed_in_token(client)
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 29 * 60
    assert client.get("/console/").status_code == 200  # a request within the window renews it
    with client.session_transaction() as session:
        assert session[SEEN_KEY] >= int(time.time()) - 5
        session[SEEN_KEY] = int(time.time()) - 31 * 60
    response = client.get("/console/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login?next=/console/account"
    assert "signed out after 30 minutes without activity" in client.get("/console/login").get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_an_idle_session_cannot_post_either(app, shop):
    make_operator()
    client = app.test_client()
    token = signed_in_token(client)
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 31 * 60
    response = client.post(f"/console/shops/{shop.domain}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(shop)
    assert shop.status == "active"


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies
    return cookies[-1]


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_behind_https(app):
    make_operator()
    cookie = session_cookie(sign_in(app.test_client()))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_the_session_cookie_is_not_secure_on_a_plain_http_app(database_url):
    http_app = create_app(base_env(DATABASE_URL=database_url, SHOPIFY_APP_URL="http://127.0.0.1:8000"), TESTING=True)
    with http_app.app_context():
        make_operator()
        cookie = session_cookie(sign_in(http_app.test_client()))
        db.session.remove()
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_logout_is_a_post_with_csrf_and_ends_the_session(app):
    make_operator()
    client = app.test_client()
    token = signed_in_token(client)
    assert client.get("/console/logout").status_code == 405
    assert client.post("/console/logout").status_code == 400
    assert client.get("/console/").status_code == 200
    response = client.post("/console/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/console/login"
    assert client.get("/console/").status_code == 302


# --- the throttle ---------------------------------------------------------------

def test_five_failures_for_an_account_refuse_it_even_with_the_right_password(app):
    make_operator()
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, password="wrong password!!").status_code == 401
    refused = sign_in(client)
    assert refused.status_code == 429
    assert "Too many sign-in attempts. Try again in 15 minutes." in refused.get_data(as_text=True)
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert client.get("/console/").status_code == 302
    # The throttle is the account's: the same address may still sign in to another one.
    make_operator("staff@example.com", "staff")
    assert sign_in(client, email="staff@example.com").status_code == 302


def test_twenty_failures_from_an_address_refuse_every_account_from_it(app):
    make_operator()
    client = app.test_client()
    for n in range(20):
        assert sign_in(client, email=f"guess{n}@example.com", password="wrong password!!").status_code == 401
    refused = sign_in(client)
    assert refused.status_code == 429
    assert "Too many sign-in attempts. Try again in" in refused.get_data(as_text=True)
    # Another address is not concerned.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert sign_in(elsewhere).status_code == 302


def test_successful_sign_ins_are_not_counted(app):
    make_operator()
    for _ in range(7):
        client = app.test_client()
        assert sign_in(client).status_code == 302


# --- two-step verification -------------------------------------------------------

def enrol(client, token: str) -> str:
    assert client.post("/console/account/totp/start", data={"csrf_token": token}).status_code == 302
    page = client.get("/console/account").get_data(as_text=True)
    secret = page.split('data-testid="totp-secret">', 1)[1].split("<", 1)[0]
    assert "otpauth://totp/" in page and "<svg" in page
    return secret


def test_an_operator_turns_totp_on_and_sign_in_then_asks_for_the_code(app):
    make_operator()
    client = app.test_client()
    token = signed_in_token(client)
    secret = enrol(client, token)
    wrong = client.post("/console/account/totp/confirm", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 302
    assert db.session.get(Operator, 1).totp_enabled is False
    client.post("/console/account/totp/confirm", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    operator = db.session.get(Operator, 1)
    db.session.refresh(operator)
    assert operator.totp_enabled is True
    assert secret not in operator.totp_secret_encrypted  # stored encrypted
    assert db.session.query(AuditEntry).filter_by(action="operator.totp_on").count() == 1

    fresh = app.test_client()
    response = sign_in(fresh)
    assert response.status_code == 302 and response.headers["Location"] == "/console/login/code"
    assert fresh.get("/console/").status_code == 302  # the password alone does not sign in
    code_token = csrf_token(fresh, "/console/login/code")
    refused = fresh.post("/console/login/code", data={"csrf_token": code_token, "code": "123456"})
    assert refused.status_code == 401 and "That code is not right" in refused.get_data(as_text=True)
    assert fresh.get("/console/").status_code == 302
    accepted = fresh.post("/console/login/code", data={"csrf_token": code_token, "code": pyotp.TOTP(secret).now()})
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/console/"
    assert fresh.get("/console/").status_code == 200


def test_a_code_cannot_be_used_twice(app):
    make_operator()
    client = app.test_client()
    token = signed_in_token(client)
    secret = enrol(client, token)
    client.post("/console/account/totp/confirm", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), app.test_client()
    sign_in(first)
    sign_in(second)
    accepted = first.post("/console/login/code", data={"csrf_token": csrf_token(first, "/console/login/code"),
                                                       "code": code})
    replayed = second.post("/console/login/code", data={"csrf_token": csrf_token(second, "/console/login/code"),
                                                        "code": code})
    assert accepted.status_code == 302
    assert replayed.status_code == 401 and "That code was used already" in replayed.get_data(as_text=True)
    assert second.get("/console/").status_code == 302


def test_wrong_codes_count_as_failed_sign_ins(app):
    operator = make_operator()
    client = app.test_client()
    token = signed_in_token(client)
    secret = enrol(client, token)
    client.post("/console/account/totp/confirm", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    fresh = app.test_client()
    sign_in(fresh)
    code_token = csrf_token(fresh, "/console/login/code")
    for _ in range(5):
        assert fresh.post("/console/login/code", data={"csrf_token": code_token, "code": "111111"}).status_code == 401
    refused = fresh.post("/console/login/code", data={"csrf_token": code_token, "code": pyotp.TOTP(secret).now()})
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert operator.email


def test_totp_is_turned_off_only_with_a_right_code(app):
    make_operator()
    client = app.test_client()
    token = signed_in_token(client)
    secret = enrol(client, token)
    client.post("/console/account/totp/confirm", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    client.post("/console/account/totp/off", data={"csrf_token": token, "code": "000000"})
    operator = db.session.get(Operator, 1)
    db.session.refresh(operator)
    assert operator.totp_enabled is True
    client.post("/console/account/totp/off", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    db.session.refresh(operator)
    assert operator.totp_enabled is False and operator.totp_secret_encrypted is None
    assert sign_in(app.test_client()).headers["Location"] == "/console/"


def test_a_super_user_must_set_up_totp_first_when_the_setting_requires_it(app, shop):
    app.config["CONSOLE_REQUIRE_TOTP_FOR_SUPER_USERS"] = True
    make_operator()
    make_operator("staff@example.com", "staff")
    client = app.test_client()
    token = signed_in_token(client)
    response = client.get("/console/")
    assert response.status_code == 302 and response.headers["Location"] == "/console/account"
    blocked = client.post(f"/console/shops/{shop.domain}/deactivate", data={"csrf_token": token})
    assert blocked.status_code == 302
    db.session.refresh(shop)
    assert shop.status == "active"
    secret = enrol(client, token)
    client.post("/console/account/totp/confirm", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert client.get("/console/").status_code == 200
    staff = app.test_client()
    signed_in_token(staff, "staff@example.com")
    assert staff.get("/console/").status_code == 200  # staff are not concerned


@pytest.mark.parametrize("value, expected", [("true", True), ("1", True), ("false", False), (None, False)])
def test_the_totp_setting_is_read_from_the_environment(value, expected):
    from shopify_app.config import load_settings

    env = base_env(**({"CONSOLE_REQUIRE_TOTP_FOR_SUPER_USERS": value} if value else {}))
    assert load_settings(env).as_flask_config()["CONSOLE_REQUIRE_TOTP_FOR_SUPER_USERS"] is expected


def test_the_idle_setting_is_checked_at_start_up():
    from shopify_app.config import ConfigError, load_settings

    assert load_settings(base_env()).as_flask_config()["CONSOLE_IDLE_MINUTES"] == 30
    assert load_settings(base_env(CONSOLE_IDLE_MINUTES="5")).as_flask_config()["CONSOLE_IDLE_MINUTES"] == 5
    with pytest.raises(ConfigError, match="CONSOLE_IDLE_MINUTES"):
        load_settings(base_env(CONSOLE_IDLE_MINUTES="soon"))
