"""Does this shop take work? The one answer for an inactive connection (switched off by the
OMS operator): no call to Shopify (no GraphQL, no token refresh, no OAuth) and no job
queued, but for one question: before an `app/uninstalled` is applied, whether Shopify
still takes the shop's token (sync/still_installed.py asks `probe_client` with
`inactive_too`). Every place that could reach Shopify for a shop asks here: `client_for`,
`probe_client` and `access_token` (sync/connection.py), the OAuth installs
(sync/oauth_install.py), `queue_run` (sync/run_queue.py).

Webhooks of an inactive shop are acknowledged and kept in the ledger (status `held`),
applied on activation (sync/activation.py), for DATA_RETENTION_DAYS at most
(sync/retention.py). A few topics are applied at once even so, since they cannot wait,
marked `applied_while_inactive` in TOPICS (sync/registry.py): the compliance topics (the
law gives the merchant 30 days, whatever our operator switched off) and the app's own
lifecycle (`app/uninstalled`: the shop is gone, once Shopify refuses its token;
`app/scopes_update`: what it granted changed). `held_while_inactive` in sync/webhooks/apply.py
decides it (this module is reached from the registry's handlers, so it cannot read the
registry).
"""
from __future__ import annotations

from ..models import Shop, ShopStatus
from ..shopify.access import AccessDenied

# The ledger status of a delivery kept for an inactive shop, applied when it is activated.
HELD = "held"


class ShopInactive(AccessDenied):
    """The shop is inactive: nothing may be sent to Shopify for it, and no job queued.
    An AccessDenied, so that a caller that already skips a shop it may not call skips this."""


def is_inactive(shop: Shop | None) -> bool:
    return shop is not None and shop.status == ShopStatus.INACTIVE.value


def refuse_inactive(shop: Shop | None) -> None:
    """Raise ShopInactive for an inactive shop; anything else passes (other checks follow)."""
    if is_inactive(shop):
        raise ShopInactive(f"shop {shop.domain} is inactive: the OMS operator switched it off")
