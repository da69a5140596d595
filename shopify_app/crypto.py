"""Encryption at rest for Shopify tokens (Fernet: AES-128-CBC + HMAC-SHA256).

TOKEN_ENCRYPTION_KEY holds one or more Fernet keys, comma-separated: the first
encrypts, every one of them decrypts (MultiFernet). To change keys, put the new
one first, run `flask --app wsgi tokens rotate` (every stored token re-encrypted
with it), then drop the old one.
"""
from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .extensions import app_settings


class TokenDecryptionError(RuntimeError):
    pass


def split_keys(value: str) -> list[str]:
    """The Fernet keys of a TOKEN_ENCRYPTION_KEY value, first (the encrypting one) first."""
    return [key.strip() for key in value.split(",") if key.strip()]


def _fernet(keys: str | None = None) -> MultiFernet:
    value = keys or app_settings.current.token_encryption_key
    return MultiFernet([Fernet(key.encode()) for key in split_keys(value)])


def encrypt_token(plaintext: str | None, key: str | None = None) -> str | None:
    if plaintext is None:
        return None
    return _fernet(key).encrypt(plaintext.encode()).decode()


def decrypt_token(ciphertext: str | None, key: str | None = None) -> str | None:
    if ciphertext is None:
        return None
    try:
        return _fernet(key).decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise TokenDecryptionError("stored token does not decrypt with any TOKEN_ENCRYPTION_KEY") from exc


def token_decrypts(ciphertext: str | None, key: str | None = None) -> bool:
    """True when there is a stored token and one of the keys decrypts it."""
    if not ciphertext:
        return False
    try:
        decrypt_token(ciphertext, key)
    except TokenDecryptionError:
        return False
    return True


def reencrypt_token(ciphertext: str, key: str | None = None) -> str:
    """The same token encrypted with the first key; TokenDecryptionError when no key decrypts it."""
    try:
        return _fernet(key).rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise TokenDecryptionError("stored token does not decrypt with any TOKEN_ENCRYPTION_KEY") from exc


# Why a shop needs re-authentication when none of the keys decrypts its tokens.
UNDECRYPTABLE_REASON = (
    "the stored token does not decrypt with any TOKEN_ENCRYPTION_KEY; the merchant must open the app to reconnect"
)
