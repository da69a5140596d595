"""OMS API keys: created once, stored as SHA-256, checked in constant time by lookup.
A key belongs to one product store (or, made without one, to all) and holds permissions."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from . import audit
from .extensions import db
from .models import PERMISSIONS, ApiKey, ProductStore

KEY_PREFIX = "oms_"


class ApiKeyError(ValueError):
    """A key request that cannot be done, in words for the operator."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def clean_permissions(permissions: Iterable[str]) -> str:
    """The permissions as stored (space-separated, in PERMISSIONS order); ApiKeyError when
    one is unknown or none is given."""
    wanted = {p.strip() for p in permissions}
    unknown = sorted(wanted - set(PERMISSIONS))
    if unknown:
        raise ApiKeyError(f"unknown permission(s) {', '.join(unknown)}: choose from {', '.join(PERMISSIONS)}")
    if not wanted:
        raise ApiKeyError(f"a key needs at least one permission of {', '.join(PERMISSIONS)}")
    return " ".join(p for p in PERMISSIONS if p in wanted)


def key_summary(record: ApiKey) -> dict:
    """What the audit log keeps of a key: never the key or its hash."""
    return {"id": record.id, "name": record.name, "prefix": record.prefix,
            "product_store_id": record.product_store_id, "permissions": record.permissions,
            "revoked": record.revoked_at is not None}


def create_api_key(name: str, product_store: ProductStore | None = None, permissions: Iterable[str] = PERMISSIONS,
                   *, actor_kind: str | None = None, actor: str | None = None) -> tuple[ApiKey, str]:
    """A new key (committed) and the key itself, shown once. Without a product store it is an
    all-stores key. With `actor_kind`/`actor` the creation is in the audit log, in the same
    transaction. Raises ApiKeyError for unknown permissions."""
    stored_permissions = clean_permissions(permissions)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(name=name.strip()[:255] or "unnamed", prefix=key[:12], key_hash=_hash(key),
                    product_store_id=product_store.id if product_store is not None else None,
                    permissions=stored_permissions)
    db.session.add(record)
    if actor_kind is not None:
        db.session.flush()
        audit.record("apikey.create", actor_kind=actor_kind, actor=actor or actor_kind, after=key_summary(record))
    db.session.commit()
    return record, key


def find_active_key(key: str | None) -> ApiKey | None:
    if not key or len(key) > 200:
        return None
    record = db.session.execute(select(ApiKey).where(ApiKey.key_hash == _hash(key))).scalar_one_or_none()
    if record is None or record.revoked_at is not None:
        return None
    return record


# "Last used" is shown to the minute: an OMS polling several times a second would
# otherwise make every read a write (and a commit) on the key's row.
TOUCH_EVERY = timedelta(minutes=1)


def touch(record: ApiKey) -> bool:
    """Note that the key was used now, at most once per TOUCH_EVERY; True when it wrote."""
    now = datetime.now(timezone.utc)
    if record.last_used_at is not None and now - record.last_used_at < TOUCH_EVERY:
        return False
    record.last_used_at = now
    return True


def list_api_keys() -> list[ApiKey]:
    return list(db.session.execute(select(ApiKey).order_by(ApiKey.id)).scalars())


def store_names() -> dict[int, str]:
    """Product store names by id, to show whose a key is."""
    return dict(db.session.execute(select(ProductStore.id, ProductStore.name)).all())


def revoke_api_key(key_id: int, *, actor_kind: str | None = None, actor: str | None = None) -> bool:
    """Revoke (committed); False when there is no such key. Audited as create_api_key is."""
    record = db.session.get(ApiKey, key_id)
    if record is None:
        return False
    before = key_summary(record)
    record.revoked_at = datetime.now(timezone.utc)
    if actor_kind is not None:
        audit.record("apikey.revoke", actor_kind=actor_kind, actor=actor or actor_kind, before=before,
                     after=key_summary(record))
    db.session.commit()
    return True
