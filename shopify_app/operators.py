"""Operator accounts for the console: passwords (argon2id), roles, disabling, the TOTP factor.

No Flask here: the console's views and the `user` commands both call it. The caller commits."""
from __future__ import annotations

from datetime import datetime, timezone

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from .crypto import TokenDecryptionError, decrypt_token, encrypt_token
from .extensions import db
from .models import ROLES, Operator

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a bound keeps a huge body from costing CPU
TOTP_ISSUER = "OMS Connector"
# argon2id with argon2-cffi's defaults (RFC 9106's second recommended profile: 64 MiB, 3 passes).
hasher = PasswordHasher()
# Verified when the email is unknown, so that an unknown account costs the same time as a known one.
UNKNOWN_ACCOUNT_HASH = hasher.hash("not the password of any account")


class OperatorError(ValueError):
    """An account request that cannot be done, in words for the operator."""


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OperatorError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise OperatorError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")


def find_operator(email: str | None) -> Operator | None:
    clean = normalise_email(email)
    if not clean:
        return None
    return db.session.execute(select(Operator).where(Operator.email == clean)).scalar_one_or_none()


def create_operator(email: str, password: str, role: str, name: str = "") -> Operator:
    clean = normalise_email(email)
    if "@" not in clean or len(clean) > 255 or any(c.isspace() for c in clean):
        raise OperatorError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise OperatorError(f"role must be one of {', '.join(ROLES)}")
    check_password_rules(password)
    if find_operator(clean) is not None:
        raise OperatorError(f"an operator {clean} exists already")
    operator = Operator(email=clean, name=(name or "").strip()[:255], role=role,
                        password_hash=hasher.hash(password), totp_enabled=False)
    db.session.add(operator)
    db.session.flush()
    return operator


def list_operators() -> list[Operator]:
    return list(db.session.execute(select(Operator).order_by(func.lower(Operator.email))).scalars())


def disable_operator(operator: Operator) -> bool:
    """True when it changed; a disabled operator cannot sign in and is signed out."""
    if operator.disabled_at is not None:
        return False
    operator.disabled_at = datetime.now(timezone.utc)
    return True


def enable_operator(operator: Operator) -> bool:
    if operator.disabled_at is None:
        return False
    operator.disabled_at = None
    return True


def set_password(operator: Operator, password: str) -> None:
    """A new password; the operator's sessions end (their id carries the hash's fingerprint)."""
    check_password_rules(password)
    operator.password_hash = hasher.hash(password)


def password_matches(operator: Operator | None, password: str | None) -> bool:
    """Constant work whether or not the account exists; rehashes when the parameters changed."""
    candidate = (password or "")[:MAX_PASSWORD_LENGTH]
    stored = operator.password_hash if operator is not None else UNKNOWN_ACCOUNT_HASH
    try:
        hasher.verify(stored, candidate)
    except (VerificationError, InvalidHashError):
        return False
    if operator is None:
        return False
    if hasher.check_needs_rehash(stored):
        operator.password_hash = hasher.hash(candidate)
    return True


def can_sign_in(operator: Operator | None) -> bool:
    return operator is not None and operator.disabled_at is None


# --- TOTP (RFC 6238: 30-second steps, 6 digits, SHA-1, as authenticator apps expect) ---

def start_totp_enrolment(operator: Operator) -> str:
    """A fresh secret, stored encrypted but not yet in force; returns it (base32) to show once."""
    if operator.totp_enabled:
        raise OperatorError("two-step verification is on already")
    secret = pyotp.random_base32()
    operator.totp_secret_encrypted = encrypt_token(secret)
    return secret


def pending_totp_secret(operator: Operator) -> str | None:
    """The secret of an enrolment started but not confirmed, to show again."""
    if operator.totp_enabled or not operator.totp_secret_encrypted:
        return None
    return totp_secret(operator)


def totp_secret(operator: Operator) -> str | None:
    try:
        return decrypt_token(operator.totp_secret_encrypted)
    except TokenDecryptionError:
        return None


def provisioning_uri(operator: Operator, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=operator.email, issuer_name=TOTP_ISSUER)


def code_is_valid(operator: Operator, code: str | None) -> bool:
    """The code of the current 30 s step, or of the one before or after (clock drift)."""
    digits = "".join((code or "").split())
    secret = totp_secret(operator) if operator.totp_secret_encrypted else None
    if not secret or len(digits) != 6 or not digits.isdigit():
        return False
    return pyotp.TOTP(secret).verify(digits, valid_window=1)


def confirm_totp(operator: Operator, code: str | None) -> bool:
    if operator.totp_enabled or not operator.totp_secret_encrypted or not code_is_valid(operator, code):
        return False
    operator.totp_enabled = True
    return True


def turn_off_totp(operator: Operator) -> None:
    operator.totp_enabled = False
    operator.totp_secret_encrypted = None
