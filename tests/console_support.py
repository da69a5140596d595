"""Helpers of the console's tests (unit and browser): operators, CSRF tokens, signing in."""
from __future__ import annotations

import re

import pytest

from shopify_app import operators
from shopify_app.extensions import db

PASSWORD = "correct horse battery staple"
TOKEN_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def make_operator(email: str = "boss@example.com", role: str = "super_user", password: str = PASSWORD,
                  name: str = ""):
    operator = operators.create_operator(email, password, role, name)
    db.session.commit()
    return operator


def csrf_token(client, path: str = "/console/login") -> str:
    """A CSRF token of the client's session, read from a console page as a browser would."""
    match = TOKEN_RE.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email: str = "boss@example.com", password: str = PASSWORD, **extra):
    token = csrf_token(client)
    return client.post("/console/login", data={"email": email, "password": password, "csrf_token": token, **extra})


def signed_in_token(client, email: str = "boss@example.com", password: str = PASSWORD) -> str:
    response = sign_in(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_token(client, "/console/account")


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2id at its lowest cost: the tests sign in hundreds of times on a shared machine.
    The production parameters are argon2-cffi's defaults (test_console_auth pins the scheme)."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(operators, "hasher", cheap)
    monkeypatch.setattr(operators, "UNKNOWN_ACCOUNT_HASH", cheap.hash("not the password of any account"))
