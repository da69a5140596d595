"""Helpers of the console's tests (unit and browser): operators, CSRF tokens, signing in."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, insert, select

from shopify_app import operators
from shopify_app.extensions import db
from shopify_app.models import OperatorFavorite, ProductStore, Shop, SyncRun

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


def seed_shops(count: int, *, runs_per_shop: int = 0) -> None:
    now = datetime.now(timezone.utc)
    store = ProductStore(name="Big brand", identifier="sku")
    db.session.add(store)
    db.session.flush()
    db.session.execute(insert(Shop), [
        {"domain": f"shop-{n:05d}.myshopify.com", "name": f"Shop {n:05d}", "status": "active",
         "access_level": "read_write", "granted_scopes": "read_orders", "needs_reauth": n % 97 == 0,
         "settings": {}, "product_store_id": store.id if n % 2 else None, "created_at": now, "updated_at": now}
        for n in range(count)])
    ids = [row[0] for row in db.session.execute(select(Shop.id))]
    runs = [
        {"shop_id": shop_id, "flow": flow, "trigger": "schedule", "status": "failed" if k % 3 else "succeeded",
         "queued_at": now, "finished_at": now, "counts": {}, "progress": {}}
        for shop_id in ids for flow in ("orders", "products") for k in range(runs_per_shop)]
    if runs:
        db.session.execute(insert(SyncRun), runs)
    db.session.execute(insert(OperatorFavorite), [{"operator_id": 1, "shop_id": ids[-1], "created_at": now}])
    db.session.commit()


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.count)

    def count(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)
