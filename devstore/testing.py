"""pytest plugin: devstore as a real subprocess, and a small client for its control API.

Load it with `pytest_plugins = ["devstore.testing"]`. Fixtures:

- `devstore_factory` (session): `devstore_factory(app_url=..., shops=[...], ...)` starts
  `python -m devstore` on a free port, waits until it answers and returns a
  `DevstoreProcess`; every process it started is stopped at the end of the session.
  For a test that needs a devstore configured its own way.
- `devstore`: the one `DevstoreProcess` the session shares (default settings, started
  on first use); the faults a test injected are cleared after it.
- `devstore_shop`: a fresh, installed shop on the shared devstore
  (`ShopHandle`: `.domain`, `.token`, `.graphql()`, `.client`).

Outside pytest: `with DevstoreProcess.start(...) as ds: ...`.
"""
from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

import requests

from devstore.config import API_VERSION  # the app's, from its shopify.app.toml

DEFAULT_API_SECRET = "devstore-test-secret-0123456789abcdef0123"
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shop_origin_template(base_url: str) -> str:
    """The `SHOPIFY_SHOP_ORIGIN` the app uses for this devstore: `http://127.0.0.1:PORT/{shop}`."""
    return base_url.rstrip("/") + "/{shop}"


class DevstoreError(RuntimeError):
    pass


class DevstoreClient:
    """requests-based client for devstore's control API (and GraphQL, for convenience)."""

    def __init__(self, base_url: str, timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.timeout = timeout

    # --- plumbing -----------------------------------------------------------------------
    def _url(self, path, shop=None):
        return f"{self.base_url}/{shop}/_devstore{path}" if shop else f"{self.base_url}/_devstore{path}"

    def _call(self, method, path, shop=None, json=None, params=None, ok=(200, 201), timeout=None):
        r = self.http.request(method, self._url(path, shop), json=json, params=params,
                              timeout=timeout or self.timeout)
        if r.status_code not in ok:
            raise DevstoreError(f"{method} {r.url} -> {r.status_code}: {r.text[:500]}")
        return r.json()

    @staticmethod
    def domain(shop: str) -> str:
        return shop if "." in shop else f"{shop}.myshopify.com"

    # --- global ---------------------------------------------------------------------------
    def health(self):
        return self._call("GET", "/health")

    def config(self):
        return self._call("GET", "/config")

    def set_config(self, **kw):
        """app_url=, token_ttl={"access", "refresh"}, webhook_retry_schedule=[...], scopes=[...]"""
        return self._call("PATCH", "/config", json=kw)

    def token_lifetimes(self, access=None, refresh=None):
        return self._call("PUT", "/token-lifetimes", json={"access": access, "refresh": refresh})

    def faults(self, **kw):
        """error_rate, error_status, latency_ms, drop_rate, paths (regex), fail_next,
        bulk_fail={"errorCode", "after_objects", "count", "shop"}, bulk_chunk_delay_ms"""
        return self._call("PUT", "/faults", json=kw)

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    def shops(self):
        return self._call("GET", "/shops")

    def create_shop(self, shop, **kw):
        """seed, products, orders, locations, plan, currency, name, replace, install, scopes, token, expiring"""
        return self._call("POST", "/shops", json={"shop": shop, **kw}, timeout=600)   # big stores take a while

    def all_token_requests(self):
        return self._call("GET", "/token-requests")

    def all_webhooks(self, topic=None):
        return self._call("GET", "/webhooks", params={"topic": topic} if topic else None)

    def wait_webhooks(self, timeout=10, include_retries=False):
        return self._call("POST", "/webhooks/wait", json={"timeout": timeout, "include_retries": include_retries})

    # --- per shop ---------------------------------------------------------------------------
    def summary(self, shop):
        return self._call("GET", "", self.domain(shop))

    def install(self, shop, scopes=None, token=False, expiring=False):
        return self._call("POST", "/install", self.domain(shop), json={"scopes": scopes, "token": token,
                                                                        "expiring": expiring})

    def uninstall(self, shop):
        return self._call("POST", "/uninstall", self.domain(shop))

    def new_token(self, shop, expiring=False, scopes=None):
        """Issue an offline access token directly; returns the token answer (dict)."""
        return self._call("POST", "/tokens", self.domain(shop), json={"expiring": expiring, "scopes": scopes})

    def tokens(self, shop):
        return self._call("GET", "/tokens", self.domain(shop))

    def expire_token(self, shop, token):
        return self._call("POST", f"/tokens/{token}/expire", self.domain(shop))

    def session_token(self, shop, user_id=1, ttl=60, claims=None):
        return self._call("POST", "/session-token", self.domain(shop),
                          json={"user_id": user_id, "ttl": ttl, "claims": claims or {}})["token"]

    def token_requests(self, shop, grant_type=None):
        return self._call("GET", "/token-requests", self.domain(shop),
                          params={"grant_type": grant_type} if grant_type else None)

    def set_plan(self, shop, plan=None, size=None, rate=None, available=None):
        return self._call("PUT", "/plan", self.domain(shop),
                          json={"plan": plan, "size": size, "rate": rate, "available": available})

    def throttle(self, shop):
        return self._call("GET", "/throttle", self.domain(shop))

    def graphql_log(self, shop, since=None):
        return self._call("GET", "/graphql-log", self.domain(shop), params={"since": since} if since else None)

    def app_calls(self, shop, since=None):
        """Every call the app made for the shop (GraphQL, token requests, bulk files)."""
        return self._call("GET", "/app-calls", self.domain(shop), params={"since": since} if since else None)

    def inventory_sets(self, shop, since=None):
        return self._call("GET", "/inventory-sets", self.domain(shop), params={"since": since} if since else None)

    def fulfillments(self, shop, since=None):
        return self._call("GET", "/fulfillments", self.domain(shop), params={"since": since} if since else None)

    def refunds(self, shop, since=None):
        return self._call("GET", "/refunds", self.domain(shop), params={"since": since} if since else None)

    def webhooks(self, shop, topic=None):
        return self._call("GET", "/webhooks", self.domain(shop), params={"topic": topic} if topic else None)

    def bulk_operations(self, shop):
        return self._call("GET", "/bulk-operations", self.domain(shop))

    def clear_logs(self, shop):
        return self._call("DELETE", "/logs", self.domain(shop))

    def node(self, shop, gid):
        return self._call("GET", f"/nodes/{gid}", self.domain(shop))

    def products(self, shop, limit=100):
        return self._call("GET", "/products", self.domain(shop), params={"limit": limit})

    def product(self, shop, pid):
        return self._call("GET", f"/products/{_num(pid)}", self.domain(shop))

    def create_product(self, shop, **data):
        """title, productType, vendor, status, tags, variants=[{sku, price, quantity|quantities, options}]"""
        return self._call("POST", "/products", self.domain(shop), json=data)

    def update_product(self, shop, pid, **data):
        return self._call("PATCH", f"/products/{_num(pid)}", self.domain(shop), json=data)

    def delete_product(self, shop, pid):
        return self._call("DELETE", f"/products/{_num(pid)}", self.domain(shop))

    def create_variant(self, shop, pid, **data):
        return self._call("POST", f"/products/{_num(pid)}/variants", self.domain(shop), json=data)

    def update_variant(self, shop, vid, **data):
        return self._call("PATCH", f"/variants/{_num(vid)}", self.domain(shop), json=data)

    def delete_variant(self, shop, vid):
        return self._call("DELETE", f"/variants/{_num(vid)}", self.domain(shop))

    def orders(self, shop, limit=100):
        return self._call("GET", "/orders", self.domain(shop), params={"limit": limit})

    def order(self, shop, oid):
        return self._call("GET", f"/orders/{_num(oid)}", self.domain(shop))

    def create_order(self, shop, line_items, **data):
        """line_items=[{"variant_id"|"sku", "quantity", "price"?, "location_id"?, "fulfillment_order"?}], email,
        source_name, gateway, shipping={"title","code","price"}, location_id, shipping_address, financial_status.
        One fulfillment order per location (a line's location_id, else the order's); lines with the same
        fulfillment_order label get a fulfillment order of their own."""
        return self._call("POST", "/orders", self.domain(shop), json={"line_items": line_items, **data})

    def edit_order(self, shop, oid, **data):
        """line_items=[{"id", "quantity"}], add=[{"variant_id"|"sku", "quantity"}], shipping_address, email, note"""
        return self._call("PATCH", f"/orders/{_num(oid)}", self.domain(shop), json=data)

    def cancel_order(self, shop, oid, reason="CUSTOMER", refund=False):
        return self._call("POST", f"/orders/{_num(oid)}/cancel", self.domain(shop),
                          json={"reason": reason, "refund": refund})

    def refund_order(self, shop, oid, line_items=(), amount=None, note=None):
        return self._call("POST", f"/orders/{_num(oid)}/refund", self.domain(shop),
                          json={"line_items": list(line_items), "amount": amount, "note": note})

    def close_order(self, shop, oid):
        return self._call("POST", f"/orders/{_num(oid)}/close", self.domain(shop))

    def touch_order(self, shop, oid, updated_at=None, webhook=True, fields=None):
        return self._call("POST", f"/orders/{_num(oid)}/touch", self.domain(shop),
                          json={"updatedAt": updated_at, "webhook": webhook, "fields": fields})

    def hide_order(self, shop, oid, seconds=5):
        """Leave the order out of order searches for `seconds` (the search index lags)."""
        return self._call("POST", f"/orders/{_num(oid)}/hide", self.domain(shop), json={"seconds": seconds})

    def request_return(self, shop, oid, lines, exchange=(), status="REQUESTED", webhook=True):
        """A customer's return request: lines=[{"line_item_id", "quantity", "reason", "customer_note"}],
        exchange=[{"variant_id", "quantity"}]; status "OPEN" for a return the merchant creates approved."""
        return self._call("POST", f"/orders/{_num(oid)}/returns", self.domain(shop),
                          json={"lines": list(lines), "exchange": list(exchange), "status": status, "webhook": webhook})

    def return_step(self, shop, rid, action, webhook=True, **data):
        """approve | decline(reason, note) | cancel | close | reopen | restock(lines=[{line_item_id, quantity,
        location_id}]) | refund(lines=[{line_item_id, quantity}], amount, note)"""
        return self._call("POST", f"/returns/{_num(rid)}/{action}", self.domain(shop),
                          json={**data, "webhook": webhook})

    def get_return(self, shop, rid):
        return self._call("GET", f"/returns/{_num(rid)}", self.domain(shop))

    def locations(self, shop):
        return self._call("GET", "/locations", self.domain(shop))

    def create_location(self, shop, **data):
        return self._call("POST", "/locations", self.domain(shop), json=data)

    def update_location(self, shop, lid, **data):
        return self._call("PATCH", f"/locations/{_num(lid)}", self.domain(shop), json=data)

    def delete_location(self, shop, lid):
        return self._call("DELETE", f"/locations/{_num(lid)}", self.domain(shop))

    def inventory(self, shop, sku=None, inventory_item_id=None, location_id=None):
        params = {k: v for k, v in (("sku", sku), ("inventory_item_id", inventory_item_id),
                                    ("location_id", location_id)) if v}
        return self._call("GET", "/inventory", self.domain(shop), params=params)

    def set_inventory(self, shop, rows):
        """rows: one dict or a list of {"inventory_item_id"|"sku", "location_id", "available"|"on_hand"|...}"""
        return self._call("PUT", "/inventory", self.domain(shop), json=rows)

    def compliance(self, shop, topic, **data):
        """topic: customers/redact, customers/data_request or shop/redact"""
        return self._call("POST", f"/compliance/{topic}", self.domain(shop), json=data)

    # --- the Shopify side, for tests ------------------------------------------------------------
    def graphql(self, shop, query, variables=None, token=None, version=API_VERSION, raw=False):
        r = self.http.post(f"{self.base_url}/{self.domain(shop)}/admin/api/{version}/graphql.json",
                           json={"query": query, "variables": variables or {}},
                           headers={"X-Shopify-Access-Token": token or ""}, timeout=self.timeout)
        return r if raw else r.json()

    def wait_bulk(self, shop, op_id, token, timeout=60):
        q = "query($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount " \
            "fileSize url partialDataUrl } }"
        deadline = time.time() + timeout
        while time.time() < deadline:
            op = self.graphql(shop, q, {"id": op_id}, token)["data"]["bulkOperation"]
            if op["status"] not in ("CREATED", "RUNNING", "CANCELING"):
                return op
            time.sleep(0.1)
        raise DevstoreError(f"bulk operation {op_id} still running after {timeout}s")


def _num(gid_or_num) -> str:
    s = str(gid_or_num)
    return s.rsplit("/", 1)[-1] if s.startswith("gid://") else s


class DevstoreProcess:
    """A `python -m devstore` subprocess on a free port."""

    def __init__(self, proc, base_url, log_path, args):
        self.proc = proc
        self.base_url = base_url
        self.url = base_url
        self.port = int(base_url.rsplit(":", 1)[1])
        self.log_path = log_path
        self.args = args
        self.client = DevstoreClient(base_url)
        self.api_key = args["api_key"]
        self.api_secret = args["api_secret"]

    @property
    def shop_origin(self) -> str:
        """`http://127.0.0.1:PORT/{shop}`: what the app takes as SHOPIFY_SHOP_ORIGIN."""
        return shop_origin_template(self.base_url)

    def shop_url(self, shop) -> str:
        return f"{self.base_url}/{DevstoreClient.domain(shop)}"

    def graphql_url(self, shop, version=API_VERSION) -> str:
        return f"{self.shop_url(shop)}/admin/api/{version}/graphql.json"

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as fh:
            return fh.read()

    @classmethod
    def start(cls, app_url=None, api_key=None, api_secret=DEFAULT_API_SECRET, toml=None, shops=(),
              products=20, orders=20, locations=4, seed=1, plan="standard", install=False, port=0,
              webhook_retry_schedule=None, access_token_ttl=None, refresh_token_ttl=None, env=None,
              wait_schema=True, timeout=60, extra_args=()):
        args = [sys.executable, "-m", "devstore", "--port", str(port), "--quiet",
                "--seed", str(seed), "--products", str(products), "--orders", str(orders),
                "--locations", str(locations), "--plan", plan]
        if api_secret:
            args += ["--api-secret", api_secret]
        if api_key:
            args += ["--api-key", api_key]
        if app_url:
            args += ["--app-url", app_url]
        if toml:
            args += ["--toml", toml]
        if shops:
            args += ["--shops", ",".join(shops)]
        if install:
            args.append("--install")
        if access_token_ttl:
            args += ["--access-token-ttl", str(access_token_ttl)]
        if refresh_token_ttl:
            args += ["--refresh-token-ttl", str(refresh_token_ttl)]
        args += list(extra_args)
        penv = dict(os.environ)
        penv.setdefault("PYTHONUNBUFFERED", "1")
        if webhook_retry_schedule is not None:
            penv["DEVSTORE_WEBHOOK_RETRY_SCHEDULE"] = ",".join(str(x) for x in webhook_retry_schedule)
        penv.update(env or {})
        fd, log_path = tempfile.mkstemp(prefix="devstore-", suffix=".log")
        logf = os.fdopen(fd, "w")
        proc = subprocess.Popen(args, cwd=_REPO, env=penv, stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        base_url = None
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise DevstoreError(f"devstore exited with {proc.returncode}:\n{open(log_path).read()}")
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                m = re.search(r"devstore listening on (http://\S+)", fh.read())
            if m:
                base_url = m.group(1)
                break
            time.sleep(0.05)
        if base_url is None:
            proc.kill()
            raise DevstoreError(f"devstore did not start in {timeout}s:\n{open(log_path).read()}")
        client = DevstoreClient(base_url)
        while time.time() < deadline:
            try:
                h = client.health()
                if h.get("schema_ready") or not wait_schema:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            proc.kill()
            raise DevstoreError(f"devstore not ready in {timeout}s:\n{open(log_path).read()}")
        cfg = client.config()
        return cls(proc, base_url, log_path, {"api_key": cfg["api_key"], "api_secret": api_secret,
                                              "app_url": app_url, "argv": args})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class ShopHandle:
    """A shop on a devstore, installed, with an offline access token."""

    def __init__(self, ds: DevstoreProcess, domain: str, token: str):
        self.devstore = ds
        self.client = ds.client
        self.domain = domain
        self.token = token

    @property
    def origin(self):
        return self.devstore.shop_url(self.domain)

    def graphql(self, query, variables=None, token=None, **kw):
        return self.client.graphql(self.domain, query, variables, token or self.token, **kw)


_counter = itertools.count(1)


def new_shop(ds: DevstoreProcess, products=10, orders=10, seed=1, scopes=None, expiring=False, **kw) -> ShopHandle:
    name = f"t{uuid.uuid4().hex[:8]}-{next(_counter)}.myshopify.com"
    out = ds.client.create_shop(name, products=products, orders=orders, seed=seed, install=True, scopes=scopes,
                                token=True, expiring=expiring, **kw)
    tok = out["access_token"]
    return ShopHandle(ds, out["shop"], tok["access_token"] if isinstance(tok, dict) else tok)


# --- pytest fixtures --------------------------------------------------------------------------------
try:
    import pytest
except ImportError:  # pragma: no cover
    pytest = None

class DevstoreFactory:
    """Starts devstore processes for a test session and stops them all at its end."""

    def __init__(self):
        self.started: list[DevstoreProcess] = []
        self._shared: DevstoreProcess | None = None

    def __call__(self, **kwargs) -> DevstoreProcess:
        ds = DevstoreProcess.start(**kwargs)
        self.started.append(ds)
        return ds

    def shared(self) -> DevstoreProcess:
        """The one process with default settings that every test asking for `devstore` uses."""
        if self._shared is None:
            self._shared = self()
        return self._shared

    def stop_all(self) -> None:
        for ds in self.started:
            ds.stop()


if pytest is not None:
    @pytest.fixture(scope="session")
    def devstore_factory():
        factory = DevstoreFactory()
        yield factory
        factory.stop_all()

    @pytest.fixture
    def devstore(devstore_factory) -> DevstoreProcess:
        ds = devstore_factory.shared()
        yield ds
        ds.client.clear_faults()

    @pytest.fixture
    def devstore_shop(devstore) -> ShopHandle:
        return new_shop(devstore)
