"""Find Shopify connections on PostgreSQL at 10,000 shops: one page in a bounded number of statements."""
from __future__ import annotations

import re

from shopify_app.extensions import db
from tests.console_support import (StatementCounter, cheap_password_hashing, make_operator,  # noqa: F401
                                   seed_shops, signed_in_token)


def test_a_page_at_ten_thousand_shops_is_read_in_a_bounded_number_of_statements_on_postgres(pg_app):
    make_operator()
    client = pg_app.test_client()
    signed_in_token(client)
    seed_shops(10_000, runs_per_shop=3)
    with StatementCounter(db.engine) as counter:
        response = client.get("/console/?page=7&q=shop")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(re.findall(r'data-testid="connection"', page)) == 50
    assert "Page 7 of 200" in page
    assert 'data-testid="run-orders" data-status="' in page
    assert len(counter.statements) <= 6, counter.statements
    with StatementCounter(db.engine) as counter:
        favorites = client.get("/console/?favorites=1").get_data(as_text=True)
    assert len(re.findall(r'data-testid="connection"', favorites)) == 1
    assert len(counter.statements) <= 6
