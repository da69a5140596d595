"""Writing the audit log. An entry joins the caller's transaction: it is committed with
the change it records, or not at all. Values that look secret never reach it."""
from __future__ import annotations

from typing import Any

from .extensions import db
from .models import AuditEntry, Shop

SECRET_WORDS = ("token", "secret", "password", "totp", "key_hash", "hmac")
REDACTED = "[redacted]"


def without_secrets(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of `values` where every field named like a secret is replaced, at any depth."""
    if values is None:
        return None

    def clean(value):
        if isinstance(value, dict):
            return {k: REDACTED if any(w in str(k).lower() for w in SECRET_WORDS) else clean(v)
                    for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    return clean(dict(values))


def record(action: str, *, actor_kind: str, actor: str, shop: Shop | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditEntry:
    """Add an entry for `action` (e.g. "shop.deactivate") to the session; the caller commits."""
    entry = AuditEntry(actor_kind=actor_kind, actor=actor[:255], action=action[:64],
                       shop_id=shop.id if shop is not None else None,
                       shop_domain=shop.domain if shop is not None else None,
                       before=without_secrets(before), after=without_secrets(after))
    db.session.add(entry)
    return entry
