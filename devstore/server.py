"""The devstore Flask app factory and its top-level state object (`DevStore`)."""
from __future__ import annotations

import logging
import re
import secrets
import threading
import time
import uuid
import zlib

import jwt
from flask import Flask, jsonify

from devstore import admin, bulk, control, graphql_api, oauth
from devstore import seed as seedmod
from devstore.config import Config, PLANS
from devstore.graphql import events
from devstore.store import ShopState, now_iso
from devstore.webhooks import WebhookDispatcher, subscriptions_from_toml

log = logging.getLogger("devstore")

SHOP_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


def make_dispatcher(cfg: Config) -> WebhookDispatcher:
    subscriptions = subscriptions_from_toml(cfg.toml_path) if cfg.toml_path else []
    return WebhookDispatcher(api_secret=cfg.api_secret, app_url=cfg.app_url, subscriptions=subscriptions)


class DevStore:
    """Everything devstore knows: config, shops, dispatcher, faults.

    Stored in `app.extensions["devstore"]`; the admin blueprint reads it.
    """

    def __init__(self, config: Config):
        self.config = config
        self.shops: dict[str, ShopState] = {}
        self.lock = threading.RLock()
        self.dispatcher = make_dispatcher(config)
        self.faults: dict = {"error_rate": 0.0, "latency_ms": 0, "drop_rate": 0.0,
                             "bulk_fail": None, "paths": None}
        self.token_ttl = {"access": config.access_token_ttl, "refresh": config.refresh_token_ttl}
        self.started_at = time.time()
        self.token_requests: list[dict] = []
        self.skipped_events: list[dict] = []

    # --- shops -------------------------------------------------------------------
    def shop(self, domain: str) -> ShopState | None:
        return self.shops.get((domain or "").lower())

    def create_shop(self, domain: str, seed: int | None = None, products: int | None = None,
                    orders: int | None = None, locations: int | None = None, plan: str | None = None,
                    currency: str = "USD", name: str | None = None, replace: bool = False) -> ShopState:
        domain = (domain or "").lower()
        if "." not in domain:
            domain = f"{domain}.myshopify.com"
        if not SHOP_RE.match(domain):
            raise ValueError(f"invalid shop domain: {domain}")
        with self.lock:
            if domain in self.shops and not replace:
                return self.shops[domain]
            st = ShopState(domain, plan=plan or self.config.plan, currency=currency)
            cfg = self.config
            data = _generate(seed if seed is not None else cfg.seed,
                             products if products is not None else cfg.products,
                             orders if orders is not None else cfg.orders,
                             locations if locations is not None else cfg.locations,
                             domain, currency, f"{cfg.base_url}/cdn/shop/files" if cfg.port else None)
            if data is not None:
                st.load_seed(data)
            _default_shop_fields(st, name)
            self.shops[domain] = st
            return st

    # --- install / uninstall -------------------------------------------------------
    def install(self, domain: str, scopes) -> ShopState:
        st = self.shop(domain) or self.create_shop(domain)
        if isinstance(scopes, str):
            scopes = [s.strip() for s in scopes.split(",") if s.strip()]
        with st.lock:
            st.installed = True
            st.granted_scopes = list(dict.fromkeys(scopes))
            st.installed_at = now_iso()
            st.uninstalled_at = None
            st.install_history.append({"event": "install", "scopes": st.granted_scopes, "at": st.installed_at})
        return st

    def uninstall(self, domain: str) -> bool:
        st = self.shop(domain)
        if not st or not st.installed:
            return False
        with st.lock:
            st.installed = False
            st.uninstalled_at = now_iso()
            for t in st.tokens.values():
                t["revoked"] = True
            for r in st.refresh_tokens.values():
                r["revoked"] = True
            st.install_history.append({"event": "uninstall", "at": st.uninstalled_at})
            # shop-specific subscriptions go with the app
            for sid in list(st.webhook_subscriptions):
                sub = st.webhook_subscriptions.pop(sid)
                try:
                    self.dispatcher.remove_subscription(sub.get("_dispatcher_id") or sid)
                except Exception:
                    pass
        self.emit(st, "app/uninstalled", events.app_uninstalled_payload(st))
        return True

    def is_installed(self, domain: str) -> bool:
        st = self.shop(domain)
        return bool(st and st.installed)

    # --- session tokens --------------------------------------------------------------
    def mint_session_token(self, domain: str, user_id: str | int = 1, ttl: int = 60, **extra) -> str:
        now = int(time.time())
        claims = {
            "iss": f"https://{domain}/admin",
            "dest": f"https://{domain}",
            "aud": self.config.api_key,
            "sub": str(user_id),
            "exp": now + ttl,
            "nbf": now,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "sid": secrets.token_hex(16),
        }
        claims.update(extra)
        return jwt.encode(claims, self.config.api_secret, algorithm="HS256")

    # --- webhooks ------------------------------------------------------------------------
    # topics Shopify sends to an app that is no longer installed
    AFTER_UNINSTALL = ("app/uninstalled", "shop/redact", "customers/redact", "customers/data_request")

    def emit(self, st: ShopState | str, topic: str, payload: dict, api_version: str | None = None):
        domain = st if isinstance(st, str) else st.domain
        shop = self.shop(domain)
        if shop is not None and not shop.installed and topic not in self.AFTER_UNINSTALL:
            # no webhooks for a shop the app is not installed on
            self.skipped_events.append({"shop": domain, "topic": topic, "at": now_iso(), "reason": "not installed"})
            del self.skipped_events[:-1000]
            return
        try:
            self.dispatcher.emit(domain, topic, payload, api_version=api_version or self.config.webhook_api_version)
        except Exception:  # never let a webhook failure break the store
            log.exception("webhook emit failed: %s %s", domain, topic)

    def wants(self, st: ShopState | str, topic: str) -> bool:
        """Whether an event would go anywhere (lets hot paths skip building payloads)."""
        domain = st if isinstance(st, str) else st.domain
        shop = self.shop(domain)
        if shop is not None and not shop.installed and topic not in self.AFTER_UNINSTALL:
            return False
        if topic in (getattr(self, "muted_topics", None) or ()):
            return False
        subs_for = getattr(self.dispatcher, "subscriptions_for", None)
        return bool(subs_for(domain, topic)) if subs_for else True

    def set_plan(self, domain: str, plan: str | None = None, size: int | None = None,
                 rate: float | None = None):
        st = self.shop(domain)
        if plan:
            if plan not in PLANS:
                raise ValueError(f"unknown plan {plan}; one of {sorted(PLANS)}")
            st.plan = plan
            psize, prate, _ = PLANS[plan]
            size = size or psize
            rate = rate or prate
            st.shop.pop("plan", None)   # the shop's `plan` field shows the new one
            _default_shop_fields(st, None)
        st.bucket.set_plan(size or st.bucket.size, rate or st.bucket.rate)


def _generate(seed, products, orders, locations, domain, currency, image_base=None):
    kw = {"image_base": image_base} if image_base else {}
    return seedmod.generate(seed=seed, products=products, orders=orders, locations=locations,
                            shop_domain=domain, currency=currency, **kw)


def _default_shop_fields(st: ShopState, name: str | None):
    s = st.shop
    handle = st.domain.split(".")[0]
    s.setdefault("id", "gid://shopify/Shop/" + str(zlib.crc32(st.domain.encode())))
    if name:
        s["name"] = name
    s.setdefault("name", handle.replace("-", " ").title())
    s.setdefault("myshopifyDomain", st.domain)
    s.setdefault("email", f"owner@{handle}.example.com")
    s.setdefault("contactEmail", s["email"])
    s.setdefault("shopOwnerName", "Dev Owner")
    s.setdefault("currencyCode", st.currency)
    s.setdefault("weightUnit", "KILOGRAMS")
    s.setdefault("ianaTimezone", "America/New_York")
    s.setdefault("timezoneAbbreviation", "EST")
    s.setdefault("billingAddress", {"countryCodeV2": "US", "country": "United States", "city": "New York",
                                    "province": "New York", "provinceCode": "NY", "zip": "10001",
                                    "address1": "1 Main St"})
    s.setdefault("primaryDomain", {"id": "gid://shopify/Domain/1", "host": st.domain,
                                   "url": f"https://{st.domain}", "sslEnabled": True})
    s.setdefault("createdAt", now_iso())
    s.setdefault("updatedAt", s["createdAt"])
    _, _, display = PLANS.get(st.plan, PLANS["standard"])
    s["plan"] = {"displayName": display, "publicDisplayName": display,
                 "partnerDevelopment": st.plan == "development",
                 "shopifyPlus": st.plan in ("plus", "enterprise")}
    st.index[s["id"]] = s


def create_devstore(config: Config | None = None, **overrides) -> Flask:
    cfg = config or Config.load(**overrides)
    app = Flask(__name__, template_folder="templates", static_folder=None)
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False
    state = DevStore(cfg)
    app.extensions["devstore"] = state

    app.register_blueprint(oauth.bp)
    app.register_blueprint(graphql_api.bp)
    app.register_blueprint(bulk.bp)
    app.register_blueprint(control.bp)
    control.install_app_call_log(app)  # first: a call a fault then refuses is still a call
    control.install_fault_hooks(app)
    app.register_blueprint(admin.bp)

    @app.get("/_devstore/health")
    def health():
        return jsonify({"ok": True, "shops": sorted(state.shops), "schema_ready": graphql_api.schema_ready()})

    for shop in cfg.shops:
        state.create_shop(shop)
    graphql_api.warm_schema()
    return app
