"""Whether a webhook body names a customer (no I/O): what a redaction must reach.

A redaction knows the customer by Shopify id, by a keyed hash of the email (a record
of a redaction keeps no email) and by the orders Shopify listed. A body names the
customer when a `customer` object in it carries that id, when any email in it hashes to
that hash, or when it is one of those orders: the id found where its topic's body holds
the order's (`Topic.order_id_at` in sync/registry.py, handed in as an `OrderIdAt`: the
registry's handlers reach this module, so it cannot import the registry).

The hash is an HMAC-SHA256 under a key derived from SECRET_KEY: a plain sha256 of an
email is reversed by hashing a list of candidate addresses, so it would still be
personal data. Changing SECRET_KEY makes earlier records match by ids only.
"""
from __future__ import annotations

import hashlib
import dataclasses
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..shopify.gids import number_of

if TYPE_CHECKING:  # a type only: this module does no I/O
    from ..models import Shop

# topic -> where its body holds the id of the order it is or points at (None: nowhere).
OrderIdAt = Callable[[str], tuple[str, ...] | None]


# What the email key is derived for, so that SECRET_KEY's other uses never share it.
EMAIL_KEY_LABEL = b"shopify_app customer email digest v1"


def derive_email_key(secret_key: str) -> bytes:
    """The key of email digests, derived from SECRET_KEY for this one use."""
    return hmac.new(secret_key.encode(), EMAIL_KEY_LABEL, hashlib.sha256).digest()


def email_digest(email: str | None, key: bytes) -> str | None:
    """HMAC-SHA256 (hex) of the email as Shopify matches it (case-insensitive), under
    `key` (derive_email_key); None for no email."""
    if not isinstance(email, str) or not email.strip():
        return None
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _numeric(value) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        return text if text.isdigit() else number_of(text)
    return None


@dataclass(frozen=True)
class CustomerRef:
    """The customer a compliance request is about, in one shop."""
    shop: Shop
    customer_id: str | None
    email: str | None
    order_ids: tuple[str, ...]


@dataclass(frozen=True)
class Customer:
    customer_id: str | None
    email_hmac: str | None  # email_digest of the email, under email_key
    order_ids: frozenset[str]
    email_key: bytes = dataclasses.field(repr=False)  # a secret: never in a log line


def _walk(value) -> Iterator[tuple[str | None, object]]:
    stack: list[tuple[str | None, object]] = [(None, value)]
    while stack:
        key, item = stack.pop()
        yield key, item
        if isinstance(item, dict):
            stack.extend(item.items())
        elif isinstance(item, list):
            stack.extend((key, x) for x in item)


def emails_in(payload) -> set[str]:
    return {v for _, v in _walk(payload) if isinstance(v, str) and "@" in v and len(v) <= 320}


def order_id_in(payload: dict, path: tuple[str, ...] | None) -> str | None:
    """The order id at `path` in the body (None: no path, or nothing there)."""
    if not path:
        return None
    value = payload
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return _numeric(value)


def names_customer(topic: str, payload, customer: Customer, order_id_at: OrderIdAt) -> bool:
    if not isinstance(payload, dict):
        return False
    if customer.order_ids and order_id_in(payload, order_id_at(topic)) in customer.order_ids:
        return True
    for key, item in _walk(payload):
        if customer.customer_id and key == "customer" and isinstance(item, dict):
            if _numeric(item.get("id")) == customer.customer_id:
                return True
            if _numeric(item.get("admin_graphql_api_id")) == customer.customer_id:
                return True
        if customer.email_hmac and isinstance(item, str) and "@" in item:
            if email_digest(item, customer.email_key) == customer.email_hmac:
                return True
    return False


def matching_email(payload, customer: Customer) -> str | None:
    """The email in the body that hashes to the customer's `email_hmac`, to redact by it."""
    if not customer.email_hmac:
        return None
    return next((e for e in sorted(emails_in(payload))
                 if email_digest(e, customer.email_key) == customer.email_hmac), None)
