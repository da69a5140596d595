"""OMS API keys: created once, stored as SHA-256, checked in constant time by lookup."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from sqlalchemy import select

from .extensions import db
from .models import PERMISSIONS, ApiKey, ProductStore

KEY_PREFIX = "oms_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(name: str, product_store: ProductStore | None = None,
                   permissions=PERMISSIONS) -> tuple[ApiKey, str]:
    """A new key for one product store (None: all stores, as keys made before stores)."""
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown or not permissions:
        raise ValueError(f"permissions must be some of {', '.join(PERMISSIONS)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(name=name.strip()[:255] or "unnamed", prefix=key[:12], key_hash=_hash(key),
                    product_store_id=product_store.id if product_store is not None else None,
                    permissions=" ".join(p for p in PERMISSIONS if p in set(permissions)))
    db.session.add(record)
    db.session.commit()
    return record, key


def find_active_key(key: str | None) -> ApiKey | None:
    if not key or len(key) > 200:
        return None
    record = db.session.execute(select(ApiKey).where(ApiKey.key_hash == _hash(key))).scalar_one_or_none()
    if record is None or record.revoked_at is not None:
        return None
    return record


def touch(record: ApiKey) -> None:
    record.last_used_at = datetime.now(timezone.utc)


def list_api_keys() -> list[ApiKey]:
    return list(db.session.execute(select(ApiKey).order_by(ApiKey.id)).scalars())


def revoke_api_key(key_id: int) -> bool:
    record = db.session.get(ApiKey, key_id)
    if record is None:
        return False
    record.revoked_at = datetime.now(timezone.utc)
    db.session.commit()
    return True
