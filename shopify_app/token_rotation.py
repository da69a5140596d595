"""`flask --app wsgi tokens rotate`: every stored token re-encrypted with the first key:
the shops' Shopify tokens and the operators' two-step (TOTP) secrets, which the same
TOKEN_ENCRYPTION_KEY encrypts. Dropping the old key after rotating then locks no one out.

A shop whose token no key decrypts (its key was dropped too early, or lost) is
marked as needing re-authentication: the merchant reopening the app gets new
tokens by token exchange. An operator whose secret no key decrypts is named (by id and
email, never the secret) and left as is: only `user reset-totp` lets them set two-step
up again (turning it off here would quietly drop a factor).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from .crypto import UNDECRYPTABLE_REASON, TokenDecryptionError, reencrypt_token
from .extensions import db
from .models import Operator, Shop

log = logging.getLogger(__name__)

TOKEN_COLUMNS = ("access_token_encrypted", "refresh_token_encrypted")


@dataclass
class RotationResult:
    rotated: int = 0  # the shops' tokens
    undecryptable_shops: list[str] = field(default_factory=list)
    rotated_totp_secrets: int = 0
    undecryptable_operators: list[tuple[int, str]] = field(default_factory=list)  # (id, email)


def rotate_stored_tokens() -> RotationResult:
    """Re-encrypt every shop's tokens and every operator's TOTP secret with the first
    TOKEN_ENCRYPTION_KEY, one row per transaction."""
    result = RotationResult()
    rotate_shop_tokens(result)
    rotate_totp_secrets(result)
    return result


def rotate_shop_tokens(result: RotationResult) -> None:
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


def rotate_totp_secrets(result: RotationResult) -> None:
    operator_ids = db.session.execute(
        select(Operator.id).where(Operator.totp_secret_encrypted.is_not(None)).order_by(Operator.id)
    ).scalars().all()
    for operator_id in operator_ids:
        # Locked, so that an enrolment started meanwhile is not overwritten with the old secret.
        operator = db.session.execute(
            select(Operator).where(Operator.id == operator_id).with_for_update()
        ).scalar_one_or_none()
        if operator is None or not operator.totp_secret_encrypted:
            db.session.rollback()
            continue
        try:
            operator.totp_secret_encrypted = reencrypt_token(operator.totp_secret_encrypted)
        except TokenDecryptionError:
            log.warning("operator %s: no TOKEN_ENCRYPTION_KEY decrypts their two-step secret", operator.id)
            result.undecryptable_operators.append((operator.id, operator.email))
        else:
            result.rotated_totp_secrets += 1
        db.session.commit()
