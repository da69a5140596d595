"""Which shop a signed webhook body belongs to: the one it was first recorded for.

Shopify signs the body, not X-Shopify-Shop-Domain, so a body captured from one shop's
delivery verifies just as well under another shop's header (with fresh webhook and
event ids, the ledger takes it as new). The ledger keeps each body's digest (its
verified X-Shopify-Hmac-Sha256, the same for the same body); the shop of the earliest
delivery with that digest owns the body, and a delivery of it for any other shop is
rejected (sync/webhooks/checks.py `body_owner_problem`). The same shop receiving the
same body again (products/create then products/update) is its owner each time.

One query for any number of deliveries, on the digest's index: the one-by-one path
asks for one, a batch for all of its rows at once.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from ...extensions import db
from ...models import WebhookDelivery
from ..value_lists import one_of


def first_shops(digests: Iterable[str | None]) -> dict[str, str]:
    """Each digest's owner: the shop domain of the earliest delivery recorded with it.
    Digests of rows recorded before they were kept (None) are left out."""
    wanted = sorted({digest for digest in digests if digest})
    if not wanted:
        return {}
    rows = db.session.execute(
        select(WebhookDelivery.body_digest, WebhookDelivery.shop_domain, func.min(WebhookDelivery.id))
        .where(one_of(WebhookDelivery.body_digest, wanted))
        .group_by(WebhookDelivery.body_digest, WebhookDelivery.shop_domain)
    ).all()
    owners: dict[str, tuple[int, str]] = {}
    for digest, shop_domain, first_id in rows:
        if digest not in owners or first_id < owners[digest][0]:
            owners[digest] = (first_id, shop_domain)
    return {digest: shop_domain for digest, (_, shop_domain) in owners.items()}
