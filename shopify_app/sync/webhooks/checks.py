"""Whether a signed delivery may be applied, judged from what it says (no I/O).

Shopify signs the body, never the headers: the topic, shop domain, webhook and
event ids and the trigger time are only claims. A delivery is applied only when
its body fits its topic (shapes.py), every shop the body names is the shop
of the X-Shopify-Shop-Domain header (and the stored shop's Shopify id, where we
know it), the body was not first recorded for another shop (a data topic's body
names no shop: a body replayed under another shop's header is known by its
digest, sync/webhooks/body_owners.py finds its owner), and it was not triggered before
Shopify's retry window (nor in the future).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from ...shopify.gids import gid_of
from ...shopify.times import parse_time_or_none
from ..registry import TOPICS
from .shapes import shape_problem

# Shopify retries a failed delivery 8 times over 4 hours (shopify.dev changelog,
# "Updates to webhook retry mechanism", September 2024); anything triggered earlier
# than that, plus an hour for clocks and queues, is not a delivery Shopify would make.
SHOPIFY_RETRY_WINDOW = timedelta(hours=4)
STALE_AFTER = SHOPIFY_RETRY_WINDOW + timedelta(hours=1)
# A trigger time this far ahead of our clock is no real one either.
FUTURE_TOLERANCE = timedelta(minutes=10)


def _is_myshopify(value: str) -> bool:
    return value.endswith(".myshopify.com")


def shop_problem(topic: str, payload: dict, shop_domain: str, shop_gid: str | None) -> str | None:
    """Why the body is about another shop than the header's, or None."""
    entry = TOPICS.get(topic)  # where its body names its shop: `Topic.shop_claims`
    domain_fields, id_field = entry.shop_claims if entry is not None else ((), None)
    for name in domain_fields:
        claimed = payload.get(name)
        if not isinstance(claimed, str) or not claimed:
            continue
        claimed = claimed.strip().lower()
        if (name != "domain" or _is_myshopify(claimed)) and claimed != shop_domain:
            return f"the body's {name} is {claimed}, the header's shop {shop_domain}"
    if id_field and shop_gid and payload.get(id_field) is not None:
        claimed_gid = gid_of("Shop", payload[id_field])
        if claimed_gid != shop_gid:
            return f"the body's {id_field} is not the id of {shop_domain}"
    return None


def body_owner_problem(shop_domain: str, body_owner: str | None) -> str | None:
    """Why the signed body belongs to another shop (the one it was first recorded for), or None.

    `body_owner` is unknown (None) only for a delivery recorded before digests were kept."""
    if body_owner is not None and body_owner != shop_domain:
        return "this signed body was delivered for another shop first: a replay under a forged shop header"
    return None


def staleness_problem(triggered_at: str | None, now: datetime) -> str | None:
    """Why the trigger time is outside Shopify's retry window, or None."""
    moment = parse_time_or_none(triggered_at)
    if moment is None:
        # No time to judge by. Not refused: the header is no proof either way (a forger
        # sets it as it likes), and a compliance delivery must never be dropped for it.
        return None
    if moment < now - STALE_AFTER:
        return f"triggered at {triggered_at}, beyond Shopify's retry window"
    if moment > now + FUTURE_TOLERANCE:
        return f"triggered at {triggered_at}, in the future"
    return None


def delivery_problem(topic: str, payload: dict, shop_domain: str, shop_gid: str | None,
                     triggered_at: str | None, now: datetime, body_owner: str | None = None) -> str | None:
    """The first reason not to apply this delivery, or None to apply it. `body_owner` is
    the shop its body was first recorded for (sync/webhooks/body_owners.py `first_shops`)."""
    return (shape_problem(topic, payload)
            or shop_problem(topic, payload, shop_domain, shop_gid)
            or body_owner_problem(shop_domain, body_owner)
            or staleness_problem(triggered_at, now))
