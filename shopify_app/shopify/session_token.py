"""App Bridge session tokens (the JWT in `Authorization: Bearer` and `id_token`)."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from shopify import session_token as shopify_session_token

from .shop_domain import InvalidShopDomain, validate_shop_domain


class InvalidSessionToken(Exception):
    pass


@dataclass(frozen=True)
class SessionToken:
    shop: str
    user_id: str | None
    session_id: str | None
    expires_at: int
    raw: str


def decode_session_token(token: str, api_key: str, api_secret: str) -> SessionToken:
    """Verify signature (HS256), audience, exp/nbf (10 s leeway), iss and dest.

    shopify-python-api does the JWT checks; exp and nbf must also be present,
    and iss and dest must name the same valid shop.
    """
    if not token or token.count(".") != 2:
        raise InvalidSessionToken("malformed session token")
    try:
        claims = shopify_session_token.decode_from_header(f"Bearer {token}", api_key, api_secret)
    except shopify_session_token.SessionTokenError as exc:
        raise InvalidSessionToken(str(exc) or exc.__class__.__name__) from exc
    for claim in ("exp", "nbf"):
        if not isinstance(claims.get(claim), (int, float)):
            raise InvalidSessionToken(f"session token has no {claim}")
    iss, dest = urlsplit(str(claims["iss"])), urlsplit(str(claims["dest"]))
    try:
        shop = validate_shop_domain(dest.hostname)
    except InvalidShopDomain as exc:
        raise InvalidSessionToken("session token dest is not a shop") from exc
    if iss.hostname != shop or dest.scheme != "https" or iss.scheme != "https":
        raise InvalidSessionToken("session token iss and dest differ")
    if iss.path.rstrip("/") != "/admin":
        raise InvalidSessionToken("session token iss is not the shop's admin")
    return SessionToken(
        shop=shop,
        user_id=str(claims.get("sub")) if claims.get("sub") is not None else None,
        session_id=claims.get("sid"),
        expires_at=int(claims["exp"]),
        raw=token,
    )


def bearer_token(authorization_header: str | None) -> str | None:
    if not authorization_header:
        return None
    scheme, _, value = authorization_header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
