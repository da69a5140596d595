"""Token encryption keys: required in production, several at once, rotated by `tokens rotate`."""
import os
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from cryptography.fernet import Fernet

from shopify_app import create_app, operators
from shopify_app.config import ConfigError, load_settings
from shopify_app.crypto import UNDECRYPTABLE_REASON, decrypt_token, encrypt_token, token_decrypts
from shopify_app.extensions import db
from shopify_app.models import Operator, Shop

from tests.conftest import base_env, create_shop
from tests.console_support import PASSWORD, cheap_password_hashing, csrf_token, sign_in  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))


def production_env(**overrides):
    return base_env(APP_ENV="production", SHOPIFY_APP_URL="https://app.example.com", **overrides)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "TOKEN_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_its_own_keys(missing):
    env = production_env()
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        load_settings(env)
    env[missing] = "  "
    with pytest.raises(ConfigError, match=missing):
        load_settings(env)


def test_production_starts_with_both_keys_and_development_still_derives_them():
    assert load_settings(production_env()).app_env == "production"
    env = base_env()
    del env["SECRET_KEY"], env["TOKEN_ENCRYPTION_KEY"]
    assert load_settings(env).token_encryption_key


def test_an_unknown_app_env_is_named():
    with pytest.raises(ConfigError, match="APP_ENV"):
        load_settings(base_env(APP_ENV="prod"))


def test_the_web_process_refuses_to_start_in_production_without_secret_key(tmp_path):
    env = {**os.environ, **base_env(DATABASE_URL=f"sqlite:///{tmp_path}/x.db", APP_ENV="production")}
    del env["SECRET_KEY"]
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "routes"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_several_keys_are_accepted_and_each_is_checked():
    assert load_settings(base_env(TOKEN_ENCRYPTION_KEY=f"{KEY_B}, {KEY_A}")).token_encryption_key == f"{KEY_B},{KEY_A}"
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEY: key 2 of 2"):
        load_settings(base_env(TOKEN_ENCRYPTION_KEY=f"{KEY_B},not-a-key"))


def test_the_first_key_encrypts_and_every_key_decrypts():
    under_a = encrypt_token("shpat_a", KEY_A)
    under_ba = encrypt_token("shpat_ba", f"{KEY_B},{KEY_A}")
    assert decrypt_token(under_a, f"{KEY_B},{KEY_A}") == "shpat_a"
    assert decrypt_token(under_ba, KEY_B) == "shpat_ba"
    assert not token_decrypts(under_ba, KEY_A)


def app_with_keys(database_url, keys):
    return create_app(base_env(DATABASE_URL=database_url, TOKEN_ENCRYPTION_KEY=keys), TESTING=True)


def rotate(app):
    result = app.test_cli_runner().invoke(args=["tokens", "rotate"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()


def test_tokens_rotate_reencrypts_every_token_with_the_first_key(database_url):
    with app_with_keys(database_url, KEY_A).app_context():
        create_shop("one.myshopify.com", token="shpat_one", refresh_token="shprt_one")
        create_shop("two.myshopify.com", token="shpat_two", refresh_token="shprt_two")
        db.engine.dispose()

    app = app_with_keys(database_url, f"{KEY_B},{KEY_A}")
    assert rotate(app)[-1] == "rotated 4 tokens"

    with app_with_keys(database_url, KEY_B).app_context():  # A dropped
        shops = {s.domain: s for s in db.session.query(Shop)}
        assert decrypt_token(shops["one.myshopify.com"].access_token_encrypted) == "shpat_one"
        assert decrypt_token(shops["two.myshopify.com"].refresh_token_encrypted) == "shprt_two"
        assert not any(s.needs_reauth for s in shops.values())
        db.engine.dispose()


def test_tokens_rotate_marks_a_shop_no_key_decrypts_as_needing_reauthentication(database_url):
    with app_with_keys(database_url, KEY_C).app_context():
        create_shop("lost.myshopify.com", token="shpat_lost")
        db.engine.dispose()
    with app_with_keys(database_url, KEY_A).app_context():
        create_shop("kept.myshopify.com", token="shpat_kept")
        db.engine.dispose()

    app = app_with_keys(database_url, f"{KEY_B},{KEY_A}")
    lines = rotate(app)
    assert lines[-1] == "rotated 2 tokens"
    assert any("lost.myshopify.com" in line for line in lines[:-1])
    with app.app_context():
        lost = db.session.query(Shop).filter_by(domain="lost.myshopify.com").one()
        assert lost.needs_reauth is True and lost.reauth_reason == UNDECRYPTABLE_REASON
        assert db.session.query(Shop).filter_by(domain="kept.myshopify.com").one().needs_reauth is False
        db.engine.dispose()


def operator_with_two_step(email: str) -> str:
    """An operator with two-step on, enrolled under the app's current keys; returns the secret."""
    operator = operators.create_operator(email, PASSWORD, "staff", "")
    secret = operators.start_totp_enrolment(operator)
    assert operators.confirm_totp(operator, pyotp.TOTP(secret).now())
    db.session.commit()
    return secret


def test_tokens_rotate_keeps_two_step_sign_in_working_once_the_old_key_is_dropped(database_url):
    with app_with_keys(database_url, KEY_A).app_context():
        create_shop("one.myshopify.com", token="shpat_one", refresh_token="shprt_one")
        secret = operator_with_two_step("ops@example.com")
        db.engine.dispose()

    lines = rotate(app_with_keys(database_url, f"{KEY_B},{KEY_A}"))
    assert lines[-2:] == ["rotated 1 two-step secrets", "rotated 2 tokens"]

    app = app_with_keys(database_url, KEY_B)  # A dropped
    with app.app_context():
        client = app.test_client()
        response = sign_in(client, email="ops@example.com")
        assert response.status_code == 302 and response.headers["Location"] == "/console/login/code"
        accepted = client.post("/console/login/code", data={"csrf_token": csrf_token(client, "/console/login/code"),
                                                            "code": pyotp.TOTP(secret).now()})
        assert accepted.status_code == 302 and accepted.headers["Location"] == "/console/"
        assert client.get("/console/").status_code == 200
        db.engine.dispose()


def test_tokens_rotate_names_an_operator_whose_two_step_secret_no_key_decrypts(database_url):
    with app_with_keys(database_url, KEY_C).app_context():
        lost = operator_with_two_step("lost@example.com")
        db.engine.dispose()
    with app_with_keys(database_url, KEY_A).app_context():
        operator_with_two_step("kept@example.com")
        db.engine.dispose()

    app = app_with_keys(database_url, f"{KEY_B},{KEY_A}")
    lines = rotate(app)
    assert lines[-2:] == ["rotated 1 two-step secrets", "rotated 0 tokens"]
    with app.app_context():
        lost_id = db.session.query(Operator).filter_by(email="lost@example.com").one().id
        named = [line for line in lines if "lost@example.com" in line]
        assert len(named) == 1 and f"operator {lost_id} " in named[0] and "reset-totp" in named[0]
        assert not any(lost in line for line in lines)  # never the secret
        assert not any("kept@example.com" in line for line in lines)
        db.engine.dispose()
