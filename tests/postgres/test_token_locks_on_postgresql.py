"""The row locks taken on a shop for its tokens work on PostgreSQL now that a shop joins its
product store (FOR UPDATE OF shops: PostgreSQL refuses to lock the nullable side of an
outer join)."""
from __future__ import annotations

from shopify_app.token_rotation import rotate_stored_tokens

from tests.conftest import create_shop


def test_tokens_rotate_on_postgresql_with_the_shop_row_locked(pg_app):
    create_shop()
    result = rotate_stored_tokens()
    assert result.rotated == 2 and result.undecryptable_shops == []
