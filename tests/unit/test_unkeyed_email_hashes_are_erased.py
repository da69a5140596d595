"""Upgrading erases the plain email hashes that redaction records kept before the keyed
digest (migration 0014): reversible by hashing candidate addresses, they were personal data."""
from __future__ import annotations

import hashlib

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from shopify_app.extensions import db


def test_records_from_before_the_keyed_digest_lose_their_email_hash(app):
    downgrade(revision="0013_ledger_shop_index")
    plain = hashlib.sha256(b"john@example.com").hexdigest()
    db.session.execute(text(
        "INSERT INTO compliance_requests (topic, shop_domain, customer_id, customer_email_sha256, received_at) "
        "VALUES ('customers/redact', 'a.myshopify.com', '191167', :h, CURRENT_TIMESTAMP)"), {"h": plain})
    db.session.commit()
    upgrade()
    rows = db.session.execute(text("SELECT customer_id, customer_email_sha256 FROM compliance_requests")).all()
    assert rows == [("191167", None)]
