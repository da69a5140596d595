"""Setting the levels we pushed at a location back to 0 in Shopify: the merchant's way
out of a location we no longer push to (a former default, an online location that is
not the default), after they confirm.

Only levels Shopify still holds as we pushed them are set: they are read first (a
query), and a level changed in Shopify since (a count, a sale, another app) is left as
it is and counted `changed_in_shopify`. The sets go through the push's own path
(`push_changes`: batches of 250 with `changeFromQuantity`, an idempotency key, a stale
level re-read, a lost answer settled by reading, never a blind resend).
"""
from __future__ import annotations

import uuid

from ...extensions import db
from ...models import Location, Shop
from ...shopify.access import AccessLevel
from ...shopify.graphql_client import GraphQLError
from ..connection import client_for, denied_as_not_permitted
from .desired import load_targets
from .ledger import Ledger, pushed_at_location
from .levels import read_levels
from .plan import Change
from .push import push_changes


# Why the levels are not set to 0 (web/ answers each with its status).
STILL_PUSHED = "still_pushed"  # we push to this location: the next push would set them again
SHOPIFY_FAILED = "shopify_failed"  # Shopify did not answer, or refused the change


class ZeroRefused(ValueError):
    """The levels cannot be set to 0, in the merchant's words; `reason` says why
    (STILL_PUSHED, SHOPIFY_FAILED)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@denied_as_not_permitted()
def zero_pushed_levels(shop: Shop, loc: Location) -> dict:
    """Set to 0 in Shopify the levels we pushed at `loc` that it still holds as we pushed
    them. Raises ZeroRefused; NotPermitted (AccessDenied as client_for raises it) and
    NeedsReauthentication."""
    if loc.shopify_id in {t.location_id for t in load_targets(shop.id)}:
        raise ZeroRefused(
            STILL_PUSHED, f"We send stock to {loc.name}: the next push would set these levels again. Choose another "
            f"default location (or unmap its facility) first.")
    pushed = pushed_at_location(shop.id, loc.shopify_id)
    if not pushed:
        return {"zeroed": 0, "changed_in_shopify": 0, "rejected": 0, "left": 0}
    client = client_for(shop, min_level=AccessLevel.READ_WRITE)
    db.session.commit()  # no write transaction held across Shopify's calls
    keys = [(item, loc.shopify_id) for item in sorted(pushed)]
    ledger = Ledger(shop.id)
    try:
        fresh = read_levels(client, keys)
        ledger.record(fresh, pushed=False)
        db.session.commit()
        ours = [k for k in keys if fresh.get(k) == pushed[k[0]] and fresh[k] != 0]
        changes = [Change(item, where, 0, fresh[(item, where)]) for item, where in ours]
        result = push_changes(client, ledger, changes, key_prefix=f"zero-{shop.id}-{uuid.uuid4().hex[:12]}",
                              reference=f"gid://oms-connector/LocationLevels/{loc.legacy_id}")
    except (GraphQLError, RuntimeError) as exc:
        db.session.rollback()
        raise ZeroRefused(SHOPIFY_FAILED, "Shopify did not answer, or refused the change. Levels already set to 0 "
                          "stay so; try again in a moment.") from exc
    return {"zeroed": result.pushed, "changed_in_shopify": sum(1 for k in keys if fresh.get(k) != pushed[k[0]]),
            "rejected": len(result.rejected), "left": result.deferred}
