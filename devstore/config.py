"""devstore configuration: the app's key, secret, URL and its shopify.app.toml."""
from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

PLANS = {
    # name: (bucket size, restore rate points/s, display name)
    "standard": (2000, 100, "Basic"),
    "advanced": (4000, 200, "Advanced"),
    "plus": (20000, 1000, "Shopify Plus"),
    "enterprise": (40000, 2000, "Commerce Components"),
    "development": (2000, 100, "Development"),
}


def _default_toml() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(os.path.dirname(here), "shopify.app.toml")


def _read_toml(path: str) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _app_api_version() -> str:
    for path in (os.environ.get("DEVSTORE_TOML"), _default_toml()):
        if path and os.path.exists(path):
            version = (_read_toml(path).get("webhooks") or {}).get("api_version")
            if version:
                return version
    raise RuntimeError("shopify.app.toml has no [webhooks] api_version: devstore serves the app's API version")


# The Admin API version of the app devstore stands in for, read where the app reads it:
# its shopify.app.toml's `[webhooks] api_version`. devstore serves that version's schema
# and, unless the toml given to Config.load says otherwise, sends webhooks in it.
API_VERSION: str = _app_api_version()
# The versions devstore answers GraphQL calls for (Shopify's calendar), the app's among them.
API_VERSIONS = tuple(dict.fromkeys(("2025-10", "2026-01", "2026-04", "2026-07", "2026-10", "2027-01", API_VERSION,
                                    "unstable")))


@dataclass
class Config:
    api_key: str = ""
    api_secret: str = ""
    app_url: str = ""
    toml_path: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 1
    products: int = 20
    orders: int = 20
    locations: int = 4
    shops: list[str] = field(default_factory=list)
    plan: str = "standard"
    data_dir: str = ""
    scopes: list[str] = field(default_factory=list)          # scopes requested by the toml
    redirect_urls: list[str] = field(default_factory=list)   # as declared (may be absolute on another origin)
    webhook_api_version: str = API_VERSION
    toml: dict = field(default_factory=dict)
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 90 * 24 * 3600

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def shop_origin(self, shop: str) -> str:
        return f"{self.base_url}/{shop}"

    # --- redirect URLs -------------------------------------------------
    def resolved_redirect_urls(self) -> list[str]:
        """The declared redirect URLs moved onto the app URL's origin (path kept)."""
        out = []
        for u in self.redirect_urls:
            if self.app_url:
                path = urlsplit(u).path if urlsplit(u).scheme else u
                out.append(urljoin(self.app_url.rstrip("/") + "/", path.lstrip("/")))
            else:
                out.append(u)
        return out

    def redirect_allowed(self, redirect_uri: str) -> bool:
        if not redirect_uri:
            return False
        if redirect_uri in self.redirect_urls:
            return True
        got = urlsplit(redirect_uri)
        if not self.app_url:
            return False
        app = urlsplit(self.app_url)
        if (got.scheme, got.netloc) != (app.scheme, app.netloc):
            return False
        for u in self.redirect_urls:
            declared = urlsplit(u)
            path = declared.path if declared.scheme else u
            if got.path.rstrip("/") == path.rstrip("/"):
                return True
        return False

    @classmethod
    def load(cls, **kw) -> "Config":
        """Build a config from keyword overrides, the environment and the toml."""
        toml_path = kw.pop("toml_path", None) or os.environ.get("DEVSTORE_TOML") or _default_toml()
        data: dict = {}
        if toml_path and os.path.exists(toml_path):
            data = _read_toml(toml_path)
        else:
            toml_path = None
        cfg = cls(toml_path=toml_path, toml=data)
        cfg.api_key = kw.pop("api_key", None) or os.environ.get("SHOPIFY_API_KEY") or data.get("client_id", "")
        cfg.api_secret = kw.pop("api_secret", None) or os.environ.get("SHOPIFY_API_SECRET") or "devstore-dev-secret-0123456789abcdef"
        cfg.app_url = (kw.pop("app_url", None) or os.environ.get("SHOPIFY_APP_URL") or "").rstrip("/")
        scopes = kw.pop("scopes", None)
        if scopes is None:
            scopes = os.environ.get("SCOPES") or (data.get("access_scopes") or {}).get("scopes", "")
        if isinstance(scopes, str):
            scopes = [s.strip() for s in scopes.split(",") if s.strip()]
        cfg.scopes = list(scopes)
        cfg.redirect_urls = list((data.get("auth") or {}).get("redirect_urls", []))
        cfg.webhook_api_version = (data.get("webhooks") or {}).get("api_version", API_VERSION)
        for k, v in kw.items():
            if v is not None and hasattr(cfg, k):
                setattr(cfg, k, v)
        if not cfg.data_dir:
            cfg.data_dir = tempfile.mkdtemp(prefix="devstore-")
        return cfg
