"""`flask --app wsgi tokens rotate`: every stored token re-encrypted with the first key.

A shop whose token no key decrypts (its key was dropped too early, or lost) is
marked as needing re-authentication: the merchant reopening the app gets new
tokens by token exchange.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from .crypto import UNDECRYPTABLE_REASON, TokenDecryptionError, reencrypt_token
from .extensions import db
from .models import Shop

log = logging.getLogger(__name__)

TOKEN_COLUMNS = ("access_token_encrypted", "refresh_token_encrypted")


@dataclass
class RotationResult:
    rotated: int = 0
    undecryptable_shops: list[str] = field(default_factory=list)


def rotate_stored_tokens() -> RotationResult:
    """Re-encrypt every shop's tokens with the first TOKEN_ENCRYPTION_KEY, one shop per transaction."""
    result = RotationResult()
    shop_ids = db.session.execute(select(Shop.id).order_by(Shop.id)).scalars().all()
    for shop_id in shop_ids:
        # Locked while rotating, so that a token refresh in another process cannot
        # be overwritten with the ciphertext of the token it replaced.
        shop = db.session.execute(select(Shop).where(Shop.id == shop_id).with_for_update(of=Shop)).scalar_one_or_none()
        if shop is None:
            db.session.rollback()
            continue
        rotated: dict[str, str] = {}
        try:
            for column in TOKEN_COLUMNS:
                ciphertext = getattr(shop, column)
                if ciphertext:
                    rotated[column] = reencrypt_token(ciphertext)
        except TokenDecryptionError:
            log.warning("shop %s: %s", shop.domain, UNDECRYPTABLE_REASON)
            shop.needs_reauth = True
            shop.reauth_reason = UNDECRYPTABLE_REASON
            result.undecryptable_shops.append(shop.domain)
        else:
            for column, ciphertext in rotated.items():
                setattr(shop, column, ciphertext)
            result.rotated += len(rotated)
        db.session.commit()
    return result
