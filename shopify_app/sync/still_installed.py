"""Asking Shopify whether the app is still installed on a shop: the stored token's answer.

An app/uninstalled delivery is only a claim (its headers are not signed, and a body
captured from one shop can be replayed). Shopify revokes the app's tokens when it is
uninstalled, so a cheap query with the stored token settles it: 401 means uninstalled;
an answer means the app is installed and the delivery is forged or stale.
"""
from __future__ import annotations

from ..models import Shop
from ..shopify.graphql_client import ShopifyUnauthorized
from .connection import NeedsReauthentication, probe_client

# The answer is awaited inside the webhook request, which Shopify gives 5 seconds.
PROBE_TIMEOUT = 3.0
PROBE_ATTEMPTS = 2


class UnknownInstallState(Exception):
    """Shopify could not be asked; the delivery is retried from the ledger."""


def token_still_works(shop: Shop) -> bool:
    """True when Shopify answers the stored token, False when it refuses it (or there is
    none to ask with); raises UnknownInstallState when Shopify cannot be reached."""
    if not shop.access_token_encrypted:
        return False
    # Inactive or not: a shop is never marked uninstalled on a delivery's word alone.
    client = probe_client(shop, timeout=PROBE_TIMEOUT, max_attempts=PROBE_ATTEMPTS, inactive_too=True)
    try:
        data = client.execute("app_installed")
    except (ShopifyUnauthorized, NeedsReauthentication):
        return False
    except Exception as exc:  # unreachable, 5xx, throttled: no answer either way
        raise UnknownInstallState(f"could not ask Shopify whether {shop.domain} uninstalled the app: "
                                  f"{exc.__class__.__name__}") from exc
    found = (data.get("shop") or {}).get("id")
    if found and not shop.shopify_id:
        shop.shopify_id = found
    return True
