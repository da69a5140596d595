"""An API key's "last used" is kept to the minute: an OMS polling several times a second
does not turn every read into a write on the key's row."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from shopify_app.api_keys import TOUCH_EVERY, create_api_key
from shopify_app.extensions import db
from shopify_app.models import ApiKey


def test_reads_within_a_minute_write_the_key_once(client, app, shop):
    record, secret = create_api_key("oms")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    updates = []
    listener = lambda conn, cursor, statement, *rest: updates.append(statement) if statement.startswith("UPDATE api_keys") else None  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for _ in range(5):
            assert client.get("/oms/v1/products", headers=headers).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(updates) == 1
    first = db.session.get(ApiKey, record.id).last_used_at
    assert first is not None

    # A minute on, the next read notes it again.
    db.session.get(ApiKey, record.id).last_used_at = first - TOUCH_EVERY - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/oms/v1/products", headers=headers).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiKey, record.id).last_used_at > first
