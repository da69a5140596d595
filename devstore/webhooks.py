"""Webhook delivery as Shopify does it.

- Subscriptions: app-specific ones from `shopify.app.toml` (`[[webhooks.subscriptions]]`,
  `topics` and `compliance_topics`, relative `uri` resolved against the app URL) apply
  to every shop; shop-specific ones come from `webhookSubscriptionCreate`.
- Each (event, subscription) pair is one *delivery* with its own `X-Shopify-Webhook-Id`
  (a UUID); retries of a delivery keep that id, the event id and the original
  `X-Shopify-Triggered-At`, and go to the address resolved at the first attempt.
- Headers: `Content-Type: application/json`, `X-Shopify-Topic`, `X-Shopify-Hmac-Sha256`
  (base64 HMAC-SHA256 of the raw body with the API secret), `X-Shopify-Shop-Domain`,
  `X-Shopify-API-Version`, `X-Shopify-Webhook-Id`, `X-Shopify-Event-Id`,
  `X-Shopify-Triggered-At`, and `X-Shopify-Name` when the subscription has a name.
- A delivery succeeds on a 2xx answer. Anything else (3xx included: redirects are not
  followed), a connection error or a timeout (1 s to connect, 5 s to answer) is retried
  with back-off: 8 retries over 4 hours by default (`RETRY_SCHEDULE`); tests pass a
  compressed schedule (`retry_schedule=[0.05, 0.1]`) or set
  `DEVSTORE_WEBHOOK_RETRY_SCHEDULE="0.05,0.1,0.2"`.
- Delivery runs on a background thread: `emit()` never blocks on the network.
- `deliveries` logs every attempt (status, duration, webhook id, ...).
"""
from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import os
import threading
import time
import tomllib
import uuid
from datetime import datetime, timezone
from typing import Callable

import requests

from devstore.config import API_VERSION

log = logging.getLogger("devstore.webhooks")

__all__ = ["WebhookDispatcher", "subscriptions_from_toml", "sign", "verify", "normalize_topic",
           "RETRY_SCHEDULE"]

# Delays (seconds) before retry 1..8: 60 s, 2, 5, 10, 20, 40, 60 min, then the rest of 4 hours.
RETRY_SCHEDULE = (60, 120, 300, 600, 1200, 2400, 3600, 6120)
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 5.0
LOG_LIMIT = 20000

_TOPIC_PREFIXES = sorted([
    "app", "app_purchases_one_time", "app_subscriptions", "bulk_operations", "carts", "channels", "checkouts",
    "collection_listings", "collection_publications", "collections", "companies", "company_contacts",
    "company_locations", "customer_account_settings", "customer_groups", "customer_payment_methods",
    "customer_tags", "customers", "customers_email_marketing_consent", "customers_marketing_consent",
    "delivery_promise_settings", "discounts", "disputes", "domains", "draft_orders", "fulfillment_events",
    "fulfillment_holds", "fulfillment_orders", "fulfillments", "inventory_items", "inventory_levels",
    "inventory_shipments", "inventory_transfers", "locales", "locations", "markets", "metafield_definitions",
    "metaobjects", "order_transactions", "orders", "payment_schedules", "payment_terms", "product_feeds",
    "product_listings", "product_publications", "products", "profiles", "publications", "refunds",
    "returns", "reverse_deliveries", "reverse_fulfillment_orders", "scheduled_product_listings",
    "segments", "selling_plan_groups", "shipping_addresses", "shop", "subscription_billing_attempts",
    "subscription_billing_cycle_edits", "subscription_billing_cycles", "subscription_contracts",
    "tax_services", "tax_summaries", "tender_transactions", "themes", "variants",
], key=len, reverse=True)


def normalize_topic(topic: str) -> str:
    """`ORDERS_CREATE` (the GraphQL enum) or `orders/create` -> `orders/create`."""
    if not topic:
        return topic
    if "/" in topic:
        return topic.strip().lower()
    t = topic.strip().lower()
    for p in _TOPIC_PREFIXES:
        if t.startswith(p + "_"):
            return f"{p}/{t[len(p) + 1:]}"
    head, _, tail = t.rpartition("_")
    return f"{head}/{tail}" if head else t


def sign(secret: str, body: bytes) -> str:
    """`X-Shopify-Hmac-Sha256` for a raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, body), header or "")


def subscriptions_from_toml(path: str) -> list[dict]:
    """`[[webhooks.subscriptions]]` of a shopify.app.toml, one dict per topic:
    `{"topic", "uri", "compliance", "include_fields", "filter", "name", "api_version"}`."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    wh = data.get("webhooks") or {}
    api_version = wh.get("api_version")
    out = []
    for s in wh.get("subscriptions") or []:
        uri = s.get("uri")
        extra = {"include_fields": list(s.get("include_fields") or []) or None, "filter": s.get("filter"),
                 "name": s.get("name"), "api_version": api_version}
        for t in s.get("topics") or []:
            out.append({"topic": normalize_topic(t), "uri": uri, "compliance": False, **extra})
        for t in s.get("compliance_topics") or []:
            out.append({"topic": normalize_topic(t), "uri": uri, "compliance": True, **extra})
    return out


def _now_iso(precise: bool = False) -> str:
    d = datetime.now(timezone.utc)
    if precise:
        return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


class WebhookDispatcher:
    """Queues webhook deliveries and delivers them on a background thread."""

    def __init__(self, api_secret: str, app_url: str = "", subscriptions: list[dict] | None = None,
                 retry_schedule=None, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT, workers: int = 1,
                 should_deliver: Callable[[str, str], bool] | None = None,
                 remove_failing_subscriptions: bool = True):
        self.api_secret = api_secret
        self.app_url = (app_url or "").rstrip("/")
        if retry_schedule is None:
            env = os.environ.get("DEVSTORE_WEBHOOK_RETRY_SCHEDULE")
            retry_schedule = [float(x) for x in env.split(",") if x.strip()] if env else RETRY_SCHEDULE
        self.retry_schedule = list(retry_schedule)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.should_deliver = should_deliver
        self.remove_failing_subscriptions = remove_failing_subscriptions
        self.on_subscription_removed: Callable[[dict], None] | None = None
        self.paused = False
        self.subscriptions: list[dict] = []
        for s in subscriptions or []:
            s = dict(s)
            s.setdefault("id", f"app-{len(self.subscriptions) + 1}")
            s.setdefault("shop", None)
            s.setdefault("compliance", False)
            s["topic"] = normalize_topic(s["topic"])
            self.subscriptions.append(s)
        self.deliveries: list[dict] = []   # one entry per attempt
        self.events: list[dict] = []       # one entry per emit
        self.removed_subscriptions: list[dict] = []
        self._heap: list = []
        self._seq = itertools.count()
        self._attempt_seq = itertools.count(1)
        self._cv = threading.Condition()
        self._inflight = 0
        self._threads: list[threading.Thread] = []
        self._workers = max(1, int(workers))
        self._stop = False
        self._local = threading.local()

    # --- configuration --------------------------------------------------------------
    def set_app_url(self, url: str) -> None:
        self.app_url = (url or "").rstrip("/")

    def set_retry_schedule(self, schedule) -> None:
        self.retry_schedule = list(schedule)

    def add_subscription(self, shop_domain: str | None, topic: str, uri: str, name: str | None = None,
                         include_fields=None, api_version: str | None = None, id: str | None = None) -> str:
        sid = id or f"gid://shopify/WebhookSubscription/{uuid.uuid4().int % 10**12}"
        with self._cv:
            self.subscriptions.append({"id": sid, "shop": shop_domain, "topic": normalize_topic(topic), "uri": uri,
                                       "compliance": False, "name": name, "include_fields": include_fields,
                                       "api_version": api_version, "created_at": _now_iso()})
        return sid

    def remove_subscription(self, sid: str) -> bool:
        with self._cv:
            before = len(self.subscriptions)
            self.subscriptions = [s for s in self.subscriptions if s.get("id") != sid]
            return len(self.subscriptions) != before

    def subscriptions_for(self, shop_domain: str, topic: str) -> list[dict]:
        topic = normalize_topic(topic)
        with self._cv:
            return [s for s in self.subscriptions
                    if s["topic"] == topic and (s.get("shop") in (None, shop_domain))]

    def resolve_uri(self, uri: str) -> str | None:
        if not uri:
            return None
        if uri.startswith(("http://", "https://")):
            return uri
        if "://" in uri or uri.startswith("arn:"):
            return None   # pubsub:// and EventBridge ARNs are not HTTP
        if not self.app_url:
            return None
        return self.app_url + "/" + uri.lstrip("/")

    # --- emitting ---------------------------------------------------------------------------
    def emit(self, shop_domain: str, topic: str, payload: dict, api_version: str = API_VERSION) -> str:
        """Queue `topic` for every matching subscription; returns the event id."""
        topic = normalize_topic(topic)
        event_id = str(uuid.uuid4())
        triggered = _now_iso(precise=True)
        subs = self.subscriptions_for(shop_domain, topic)
        if self.should_deliver is not None:
            try:
                if not self.should_deliver(shop_domain, topic):
                    subs = []
            except Exception:  # pragma: no cover
                log.exception("should_deliver failed")
        event = {"event_id": event_id, "shop": shop_domain, "topic": topic, "payload": payload,
                 "triggered_at": triggered, "api_version": api_version, "webhook_ids": []}
        jobs = []
        for s in subs:
            body_obj = payload
            if s.get("include_fields"):
                body_obj = {k: v for k, v in payload.items() if k in s["include_fields"]}
            body = json.dumps(body_obj, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
            webhook_id = str(uuid.uuid4())
            event["webhook_ids"].append(webhook_id)
            jobs.append({"webhook_id": webhook_id, "event_id": event_id, "shop": shop_domain, "topic": topic,
                         "subscription": s, "uri": s.get("uri"), "url": None, "body": body, "payload": payload,
                         "api_version": s.get("api_version") or api_version, "triggered_at": triggered,
                         "attempt": 0, "name": s.get("name")})
        with self._cv:
            self.events.append(event)
            if len(self.events) > LOG_LIMIT:
                del self.events[: len(self.events) - LOG_LIMIT]
            now = time.monotonic()
            for j in jobs:
                heapq.heappush(self._heap, (now, next(self._seq), j))
            if jobs:
                self._ensure_threads()
                self._cv.notify_all()
        return event_id

    # --- waiting (tests, control API) ----------------------------------------------------------
    def pending(self) -> int:
        with self._cv:
            return len(self._heap) + self._inflight

    def wait_idle(self, timeout: float = 10.0, include_retries: bool = True) -> bool:
        """Block until nothing is queued or in flight (with `include_retries=False`, until
        nothing is due now). Returns False on timeout."""
        end = time.monotonic() + timeout
        with self._cv:
            while True:
                if include_retries:
                    busy = bool(self._heap) or self._inflight
                else:
                    busy = self._inflight or (self._heap and self._heap[0][0] <= time.monotonic())
                if not busy:
                    return True
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(min(left, 0.05))

    def attempts_for(self, webhook_id: str) -> list[dict]:
        with self._cv:
            return [d for d in self.deliveries if d["webhook_id"] == webhook_id]

    def clear(self) -> None:
        with self._cv:
            self.deliveries.clear()
            self.events.clear()

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        for t in self._threads:
            t.join(timeout=2)

    # --- the worker ---------------------------------------------------------------------------
    def _ensure_threads(self):
        self._threads = [t for t in self._threads if t.is_alive()]
        while len(self._threads) < self._workers and not self._stop:
            t = threading.Thread(target=self._run, name=f"devstore-webhooks-{len(self._threads) + 1}", daemon=True)
            self._threads.append(t)
            t.start()

    def _run(self):
        while True:
            with self._cv:
                while True:
                    if self._stop:
                        return
                    if self._heap and not self.paused:
                        due = self._heap[0][0] - time.monotonic()
                        if due <= 0:
                            _, _, job = heapq.heappop(self._heap)
                            self._inflight += 1
                            break
                        self._cv.wait(min(due, 1.0))
                    else:
                        self._cv.wait(1.0)
            try:
                self._attempt(job)
            except Exception:  # pragma: no cover - never kill the worker
                log.exception("webhook delivery crashed")
            finally:
                with self._cv:
                    self._inflight -= 1
                    self._cv.notify_all()

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.trust_env = False
            self._local.session = s
        return s

    def _attempt(self, job: dict):
        job["attempt"] += 1
        if job["url"] is None:
            job["url"] = self.resolve_uri(job["uri"])
        url = job["url"]
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": job["topic"],
            "X-Shopify-Hmac-Sha256": sign(self.api_secret, job["body"]),
            "X-Shopify-Shop-Domain": job["shop"],
            "X-Shopify-API-Version": job["api_version"],
            "X-Shopify-Webhook-Id": job["webhook_id"],
            "X-Shopify-Event-Id": job["event_id"],
            "X-Shopify-Triggered-At": job["triggered_at"],
            "User-Agent": "Shopify-Captain-Hook",
            "Accept": "*/*",
        }
        if job.get("name"):
            headers["X-Shopify-Name"] = job["name"]
        entry = {"id": next(self._attempt_seq), "webhook_id": job["webhook_id"], "event_id": job["event_id"],
                 "shop": job["shop"], "topic": job["topic"], "uri": job["uri"], "url": url,
                 "subscription_id": job["subscription"].get("id"), "attempt": job["attempt"],
                 "at": _now_iso(precise=True), "triggered_at": job["triggered_at"], "status": None,
                 "ok": False, "error": None, "duration_ms": None, "next_retry_at": None, "final": False,
                 "payload": job["payload"], "body_size": len(job["body"])}
        t0 = time.monotonic()
        if url is None:
            entry["error"] = ("no app URL to resolve the relative uri against" if job["uri"] and "://" not in job["uri"]
                              else f"unsupported delivery uri: {job['uri']}")
        else:
            try:
                r = self._session().post(url, data=job["body"], headers=headers, allow_redirects=False,
                                         timeout=(self.connect_timeout, self.read_timeout))
                entry["status"] = r.status_code
                entry["ok"] = 200 <= r.status_code < 300
                if not entry["ok"]:
                    entry["error"] = f"HTTP {r.status_code}"
                    entry["response"] = r.text[:500]
            except requests.Timeout:
                entry["error"] = "timeout"
            except requests.RequestException as e:
                entry["error"] = f"{type(e).__name__}: {e}"[:300]
        entry["duration_ms"] = round((time.monotonic() - t0) * 1000, 1)
        retry_in = None
        if not entry["ok"]:
            n = job["attempt"] - 1          # retries already made
            if n < len(self.retry_schedule):
                retry_in = float(self.retry_schedule[n])
                entry["next_retry_at"] = datetime.fromtimestamp(time.time() + retry_in, timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%S.%fZ")
            else:
                entry["final"] = True
        else:
            entry["final"] = True
        level = logging.INFO if entry["ok"] else logging.WARNING
        log.log(level, "webhook %s %s -> %s attempt %d: %s (%s ms)", job["topic"], job["shop"], url, job["attempt"],
                entry["status"] or entry["error"], entry["duration_ms"])
        with self._cv:
            self.deliveries.append(entry)
            if len(self.deliveries) > LOG_LIMIT:
                del self.deliveries[: len(self.deliveries) - LOG_LIMIT]
            if retry_in is not None:
                heapq.heappush(self._heap, (time.monotonic() + retry_in, next(self._seq), job))
                self._cv.notify_all()
        if entry["final"] and not entry["ok"]:
            self._exhausted(job)

    def _exhausted(self, job: dict):
        """All retries failed: Shopify removes a subscription created through the Admin API."""
        sub = job["subscription"]
        if not self.remove_failing_subscriptions or not sub.get("shop"):
            return
        if self.remove_subscription(sub["id"]):
            self.removed_subscriptions.append({**sub, "removed_at": _now_iso(), "reason": "delivery failures"})
            cb = self.on_subscription_removed
            if cb:
                try:
                    cb(sub)
                except Exception:  # pragma: no cover
                    log.exception("on_subscription_removed failed")
