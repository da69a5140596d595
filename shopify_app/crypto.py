"""Encryption at rest for Shopify tokens (Fernet: AES-128-CBC + HMAC-SHA256)."""
from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from .extensions import app_settings


class TokenDecryptionError(RuntimeError):
    pass


def _fernet(key: str | None = None) -> Fernet:
    return Fernet((key or app_settings.current.token_encryption_key).encode())


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
        raise TokenDecryptionError("stored token does not decrypt with TOKEN_ENCRYPTION_KEY") from exc
