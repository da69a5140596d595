"""OAuth with Shopify through authlib: authorize URL, code grant, token exchange, refresh.

Offline tokens are always asked for as expiring (`expiring=1`), as Shopify requires
of public apps.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from requests import RequestException

from .shop_domain import admin_url

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"


class OAuthFailure(Exception):
    """Shopify refused a token request (or could not be reached)."""

    def __init__(self, message: str, error: str | None = None, status: int | None = None):
        super().__init__(message)
        self.error = error
        self.status = status


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    scopes: tuple[str, ...]
    expires_at: datetime | None
    refresh_token: str | None
    refresh_token_expires_at: datetime | None

    @classmethod
    def from_response(cls, body: dict, now: datetime | None = None) -> "TokenSet":
        now = now or datetime.now(timezone.utc)
        if not body.get("access_token"):
            raise OAuthFailure("Shopify's token answer has no access_token")

        def after(seconds):
            return now + timedelta(seconds=int(seconds)) if seconds is not None else None

        scope = body.get("scope") or ""
        return cls(
            access_token=body["access_token"],
            scopes=tuple(s.strip() for s in scope.split(",") if s.strip()),
            expires_at=after(body.get("expires_in")),
            refresh_token=body.get("refresh_token"),
            refresh_token_expires_at=after(body.get("refresh_token_expires_in")),
        )


@dataclass(frozen=True)
class OAuthClient:
    api_key: str
    api_secret: str
    shop_origin: str
    timeout: float = 30.0

    def _session(self, **kwargs) -> OAuth2Session:
        return OAuth2Session(
            self.api_key,
            self.api_secret,
            token_endpoint_auth_method="client_secret_post",
            **kwargs,
        )

    def authorize_url(self, shop: str, scopes: tuple[str, ...], redirect_uri: str, state: str) -> str:
        session = self._session(redirect_uri=redirect_uri, scope=",".join(scopes))
        url, _ = session.create_authorization_url(
            admin_url(self.shop_origin, shop, "/oauth/authorize"), state=state
        )
        return url

    def _token_request(self, shop: str, **params) -> TokenSet:
        url = admin_url(self.shop_origin, shop, "/oauth/access_token")
        session = self._session()
        try:
            body = session.fetch_token(url, timeout=self.timeout, expiring="1", **params)
        except OAuthError as exc:
            raise OAuthFailure(
                f"Shopify refused the token request: {exc.error}: {exc.description}", error=exc.error
            ) from exc
        except RequestException as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            raise OAuthFailure(f"token request to Shopify failed: {exc}", status=status) from exc
        except ValueError as exc:  # not JSON
            raise OAuthFailure(f"Shopify's token answer is not JSON: {exc}") from exc
        finally:
            session.close()
        return TokenSet.from_response(dict(body))

    def exchange_code(self, shop: str, code: str) -> TokenSet:
        return self._token_request(shop, grant_type="authorization_code", code=code)

    def exchange_session_token(self, shop: str, session_token: str) -> TokenSet:
        return self._token_request(
            shop,
            grant_type=TOKEN_EXCHANGE_GRANT,
            subject_token=session_token,
            subject_token_type=ID_TOKEN_TYPE,
            requested_token_type=OFFLINE_TOKEN_TYPE,
        )

    def refresh(self, shop: str, refresh_token: str) -> TokenSet:
        return self._token_request(shop, grant_type="refresh_token", refresh_token=refresh_token)
