"""In-memory store: one ShopState per shop, objects as Admin-GraphQL-shaped dicts."""
from __future__ import annotations

import itertools
import threading
import time
from datetime import datetime, timezone

from devstore.config import PLANS


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def gid(kind: str, num) -> str:
    return f"gid://shopify/{kind}/{num}"


def gid_type(g: str) -> str | None:
    if isinstance(g, str) and g.startswith("gid://shopify/"):
        return g.split("/")[3]
    return None


def gid_num(g: str) -> int:
    try:
        return int(str(g).rsplit("/", 1)[-1].split("?")[0])
    except ValueError:
        return 0


class Bucket:
    """Shopify's leaky bucket: `size` points, refilled at `rate` points/s."""

    def __init__(self, size: int, rate: float):
        self.size = size
        self.rate = rate
        self.available = float(size)
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def _refill(self):
        t = time.monotonic()
        self.available = min(self.size, self.available + (t - self.stamp) * self.rate)
        self.stamp = t

    def try_take(self, cost: float) -> bool:
        with self.lock:
            self._refill()
            if cost > self.available:
                return False
            self.available -= cost
            return True

    def refund(self, points: float):
        with self.lock:
            self._refill()
            self.available = min(self.size, self.available + points)

    def status(self) -> dict:
        with self.lock:
            self._refill()
            return {"maximumAvailable": float(self.size), "currentlyAvailable": int(self.available),
                    "restoreRate": float(self.rate)}

    def set_plan(self, size: int, rate: float, fill: bool = True):
        with self.lock:
            self.size, self.rate = size, rate
            if fill:
                self.available = float(size)
            else:
                self.available = min(self.available, size)
            self.stamp = time.monotonic()


class ShopState:
    def __init__(self, domain: str, plan: str = "standard", currency: str = "USD"):
        self.domain = domain
        self.lock = threading.RLock()
        self.plan = plan if plan in PLANS else "standard"
        size, rate, _ = PLANS[self.plan]
        self.bucket = Bucket(size, rate)
        self.currency = currency
        self.installed = False
        self.granted_scopes: list[str] = []
        self.installed_at: str | None = None
        self.uninstalled_at: str | None = None
        self.install_history: list[dict] = []
        # oauth
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        # objects
        self.shop: dict = {}
        self.products: dict[str, dict] = {}
        self.variants: dict[str, dict] = {}
        self.variant_product: dict[str, str] = {}
        self.inventory_items: dict[str, dict] = {}
        self.item_variant: dict[str, str] = {}
        self.levels: dict[str, dict] = {}
        self.level_item: dict[str, str] = {}
        self.location_levels: dict[str, dict[str, dict]] = {}   # location id -> level id -> level
        self.locations: dict[str, dict] = {}
        self.orders: dict[str, dict] = {}
        self.publications: dict[str, dict] = {}
        self.delivery_profiles: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.index: dict[str, dict] = {}   # any gid -> its dict (nested objects too)
        self.owner: dict[str, str] = {}    # nested order objects (line items, fulfillment orders...) -> order id
        self.deleted_products: dict[str, dict] = {}
        # app-facing state
        self.bulk_operations: dict[str, dict] = {}
        self.webhook_subscriptions: dict[str, dict] = {}
        self.idempotency: dict[str, dict] = {}
        self.graphql_log: list[dict] = []
        # Every call the app made for this shop (GraphQL, token requests, bulk files),
        # answered or refused: what "no call at all" is checked against.
        self.app_calls: list[dict] = []
        self.inventory_sets: list[dict] = []
        self.fulfillment_log: list[dict] = []
        self.refund_log: list[dict] = []
        self._ids = itertools.count(9_000_000_000_001)  # the seed stays below 9e12

    # --- ids ---------------------------------------------------------------
    def new_id(self, kind: str) -> str:
        return gid(kind, next(self._ids))

    def new_num(self) -> int:
        return next(self._ids)

    # --- scopes ---------------------------------------------------------------
    def effective_scopes(self, scopes=None) -> set[str]:
        """Granted scopes plus what they imply (write_X implies read_X)."""
        out = set()
        for s in (self.granted_scopes if scopes is None else scopes):
            out.add(s)
            if s.startswith("write_"):
                out.add("read_" + s[6:])
            if s.startswith("unauthenticated_write_"):
                out.add("unauthenticated_read_" + s[len("unauthenticated_write_"):])
        return out

    # --- indexing -----------------------------------------------------------
    def _index_tree(self, obj):
        if isinstance(obj, dict):
            i = obj.get("id")
            if isinstance(i, str) and i.startswith("gid://") and not obj.keys() <= {"id", "__typename"}:
                if i not in self.index or len(obj) >= len(self.index[i]):
                    self.index[i] = obj
            for v in obj.values():
                if isinstance(v, (dict, list)):
                    self._index_tree(v)
        elif isinstance(obj, list):
            for v in obj:
                self._index_tree(v)

    def put_product(self, p: dict):
        with self.lock:
            p.setdefault("variants", [])
            self.products[p["id"]] = p
            self.index[p["id"]] = p
            for v in p["variants"]:
                self._put_variant(p, v)
            for key in ("media", "images"):
                for m in p.get(key) or []:
                    if isinstance(m, dict) and m.get("id"):
                        self.index[m["id"]] = m

    def _put_variant(self, p: dict, v: dict):
        self.variants[v["id"]] = v
        self.index[v["id"]] = v
        self.variant_product[v["id"]] = p["id"]
        item = v.get("inventoryItem")
        if item:
            self.inventory_items[item["id"]] = item
            self.index[item["id"]] = item
            self.item_variant[item["id"]] = v["id"]
            for lv in item.setdefault("inventoryLevels", []):
                self.levels[lv["id"]] = lv
                self.index[lv["id"]] = lv
                self.level_item[lv["id"]] = item["id"]
                self.location_levels.setdefault((lv.get("location") or {}).get("id"), {})[lv["id"]] = lv

    def remove_product(self, pid: str) -> dict | None:
        with self.lock:
            p = self.products.pop(pid, None)
            if not p:
                return None
            self.index.pop(pid, None)
            for v in p["variants"]:
                self._drop_variant(v)
            self.deleted_products[pid] = p
            return p

    def _drop_variant(self, v: dict):
        self.variants.pop(v["id"], None)
        self.index.pop(v["id"], None)
        self.variant_product.pop(v["id"], None)
        item = v.get("inventoryItem")
        if item:
            self.inventory_items.pop(item["id"], None)
            self.index.pop(item["id"], None)
            self.item_variant.pop(item["id"], None)
            for lv in item.get("inventoryLevels", []):
                self.levels.pop(lv["id"], None)
                self.index.pop(lv["id"], None)
                self.level_item.pop(lv["id"], None)
                self.location_levels.get((lv.get("location") or {}).get("id"), {}).pop(lv["id"], None)

    def put_order(self, o: dict):
        with self.lock:
            self.orders[o["id"]] = o
            self._index_tree(o)
            for key in ("lineItems", "fulfillmentOrders", "fulfillments", "refunds", "returns", "shippingLines"):
                for child in o.get(key) or []:
                    if isinstance(child, dict) and child.get("id"):
                        self.owner[child["id"]] = o["id"]
                        for sub in ("lineItems", "fulfillmentLineItems", "refundLineItems", "returnLineItems"):
                            for gc in child.get(sub) or []:
                                if isinstance(gc, dict) and gc.get("id"):
                                    self.owner[gc["id"]] = o["id"]

    def put_location(self, loc: dict):
        with self.lock:
            self.locations[loc["id"]] = loc
            self.index[loc["id"]] = loc

    def node(self, g: str):
        return self.index.get(g) if isinstance(g, str) else None

    def product_of_variant(self, vid: str) -> dict | None:
        pid = self.variant_product.get(vid)
        return self.products.get(pid) if pid else None

    def variant_of_item(self, iid: str) -> dict | None:
        vid = self.item_variant.get(iid)
        return self.variants.get(vid) if vid else None

    def item_of_level(self, lid: str) -> dict | None:
        iid = self.level_item.get(lid)
        return self.inventory_items.get(iid) if iid else None

    def level_for(self, item_id: str, location_id: str) -> dict | None:
        item = self.inventory_items.get(item_id)
        if not item:
            return None
        for lv in item.get("inventoryLevels", []):
            if (lv.get("location") or {}).get("id") == location_id:
                return lv
        return None

    def activate_level(self, item_id: str, location_id: str) -> dict:
        """The level of an item at a location, created (stocked) if missing."""
        with self.lock:
            lv = self.level_for(item_id, location_id)
            if lv:
                return lv
            item = self.inventory_items[item_id]
            lv = {"id": f"gid://shopify/InventoryLevel/{gid_num(item_id)}?inventory_item_id={gid_num(item_id)}"
                         f"&location_id={gid_num(location_id)}",
                  "location": {"id": location_id},
                  "quantities": {"available": 0, "on_hand": 0, "committed": 0, "incoming": 0,
                                 "reserved": 0, "damaged": 0, "safety_stock": 0, "quality_control": 0},
                  "createdAt": now_iso(), "updatedAt": now_iso()}
            item.setdefault("inventoryLevels", []).append(lv)
            self.levels[lv["id"]] = lv
            self.index[lv["id"]] = lv
            self.level_item[lv["id"]] = item_id
            self.location_levels.setdefault(location_id, {})[lv["id"]] = lv
            return lv

    # --- seed ------------------------------------------------------------------
    def load_seed(self, data) -> None:
        """Load a devstore.seed SeedData (or any object/dict with the same lists)."""
        def get(name, default=None):
            if isinstance(data, dict):
                return data.get(name, default)
            return getattr(data, name, default)

        with self.lock:
            shop = dict(get("shop") or {})
            if shop:
                self.shop.update(shop)
            for loc in get("locations") or []:
                self.put_location(loc)
            for p in get("products") or []:
                self.put_product(p)
            for o in get("orders") or []:
                self.put_order(o)
                c = o.get("customer")
                if isinstance(c, dict) and c.get("id"):
                    self.customers.setdefault(c["id"], c)
            for pub in get("publications") or []:
                cat = pub.get("catalog")
                if isinstance(cat, dict) and "apps" not in cat and pub.get("app"):
                    cat["apps"] = [pub["app"]]          # AppCatalog.apps: the app behind the channel
                    cat.setdefault("__typename", "AppCatalog")
                self.publications[pub["id"]] = pub
                self.index[pub["id"]] = pub
            for dp in get("delivery_profiles") or []:
                self.delivery_profiles[dp["id"]] = dp
                self._index_tree(dp)
            for c in get("customers") or []:
                self.customers[c["id"]] = c
                self.index[c["id"]] = c
            self.index.setdefault(self.shop.get("id", "gid://shopify/Shop/1"), self.shop)
