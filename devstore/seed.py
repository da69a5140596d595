"""A seeded, deterministic generator of realistic Shopify stores.

`generate(seed, products, orders, ...)` returns a `SeedData` whose objects are plain
dicts shaped like the Admin GraphQL types (camelCase field names, GIDs, MoneyV2 /
MoneyBag, ISO 8601 UTC timestamps). Connections are stored as plain lists.

Same seed and arguments -> identical data, whatever order things are read in:
product *i*, order *n* and customer *c* each come from their own random stream, so
`products` and `orders` are lazy sequences (`LazySeq`): iterating regenerates the
objects one at a time, and a million variants never have to sit in memory at once
unless the caller keeps them. Each item produced is a fresh dict: callers may
mutate what they get.

Id ranges: every numeric id generated here is below 9,000,000,000,000, so a store
may allocate new ids above that without collisions.
"""
from __future__ import annotations

import copy
import random
import time
from calendar import timegm
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Callable, Iterator

__all__ = ["generate", "SeedData", "LazySeq", "ANCHOR"]

# Data is dated relative to this instant (not "now": the data must be reproducible).
ANCHOR = "2026-11-20T12:00:00Z"

# --- id bases (all < 9e12) ---------------------------------------------------------
B_PRODUCT = 7_100_000_000_000
B_OPTION = 8_900_000_000_000
B_OPTION_VALUE = 8_950_000_000_000
B_VARIANT = 4_300_000_000_000
B_ITEM = 4_500_000_000_000
B_MEDIA = 2_300_000_000_000
B_IMAGE = 2_400_000_000_000
B_LOCATION = 61_000_000_000
B_ORDER = 5_600_000_000_000
B_LINE = 1_300_000_000_000
B_SHIP_LINE = 4_800_000_000_000
B_FO = 6_400_000_000_000
B_FO_LINE = 1_400_000_000_000
B_FULFILLMENT = 5_100_000_000_000
B_F_LINE = 1_500_000_000_000
B_REFUND = 900_000_000_000
B_REFUND_LINE = 500_000_000_000
B_RETURN = 1_100_000_000_000
B_RETURN_LINE = 1_200_000_000_000
B_TRANSACTION = 6_900_000_000_000
B_CUSTOMER = 7_400_000_000_000
B_ADDRESS = 8_100_000_000_000
B_ORDER_ADDRESS = 8_200_000_000_000

MAX_VARIANTS = 6

# --- word pools ----------------------------------------------------------------------
# category: (product types, name nouns, options [(name, values)], price range (cents), grams range, code)
CATEGORIES = [
    ("Apparel", ["T-Shirt", "Hoodie", "Sweatshirt", "Polo Shirt", "Tank Top"],
     [("Size", ["XS", "S", "M", "L", "XL", "XXL"]), ("Color", ["Black", "White", "Navy", "Heather Grey", "Forest Green", "Burgundy"])],
     (1800, 6500), (150, 700), "APP"),
    ("Bottoms", ["Jeans", "Chinos", "Joggers", "Shorts", "Leggings"],
     [("Waist", ["28", "30", "32", "34", "36", "38"]), ("Length", ["30", "32", "34"])],
     (3500, 11000), (300, 900), "BOT"),
    ("Footwear", ["Sneakers", "Running Shoes", "Chelsea Boots", "Sandals", "Loafers"],
     [("Size", ["6", "7", "8", "9", "10", "11", "12"]), ("Color", ["Black", "White", "Tan", "Grey"])],
     (4500, 18000), (600, 1600), "SHO"),
    ("Accessories", ["Backpack", "Tote Bag", "Baseball Cap", "Beanie", "Wallet", "Sunglasses", "Belt"],
     [("Color", ["Black", "Brown", "Olive", "Sand", "Navy", "Red"])],
     (1500, 9000), (80, 900), "ACC"),
    ("Home & Kitchen", ["Ceramic Mug", "Throw Blanket", "Scented Candle", "Cutting Board", "Pour-Over Kettle"],
     [("Color", ["Ivory", "Charcoal", "Sage", "Terracotta"]), ("Size", ["Small", "Medium", "Large"])],
     (1200, 12000), (250, 2500), "HOM"),
    ("Beauty", ["Face Serum", "Lip Balm", "Body Lotion", "Hand Cream", "Shampoo Bar"],
     [("Size", ["15 ml", "30 ml", "50 ml", "100 ml"]), ("Scent", ["Unscented", "Lavender", "Citrus", "Cedar"])],
     (800, 6000), (40, 400), "BEA"),
    ("Electronics", ["Wireless Earbuds", "Phone Charger", "Bluetooth Speaker", "USB-C Cable", "Power Bank"],
     [("Color", ["Black", "White", "Blue"]), ("Capacity", ["10000 mAh", "20000 mAh"])],
     (1500, 25000), (50, 900), "ELE"),
    ("Outdoor", ["Water Bottle", "Camping Tent", "Trail Daypack", "Sleeping Bag", "Headlamp"],
     [("Capacity", ["500 ml", "750 ml", "1 L"]), ("Color", ["Alpine", "Ember", "Slate", "Moss"])],
     (1600, 32000), (200, 3200), "OUT"),
]
ADJECTIVES = ["Classic", "Essential", "Everyday", "Heritage", "Organic", "Premium", "Vintage", "Urban",
              "Coastal", "Alpine", "Recycled", "Lightweight", "Relaxed", "Signature", "Studio", "Nordic",
              "Merino", "Canvas", "Waxed", "Brushed", "Performance", "Weekend", "Field", "Harbor"]
VENDORS = ["Northwind Supply", "Acme Outfitters", "Bluebird & Co.", "Copperline", "Evergreen Goods",
           "Kestrel Labs", "Maple & Pine", "Oakridge Trading", "Saltwater Studio", "Tidewater Brands"]
TAGS = ["new", "bestseller", "sale", "eco", "gift", "limited", "summer", "winter", "clearance",
        "exclusive", "bundle", "staff-pick", "vegan", "handmade", "back-in-stock"]
FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
         "Mia", "Mateo", "Amelia", "Ethan", "Harper", "Aiden", "Chloe", "Yuki", "Priya", "Omar",
         "Fatima", "Diego", "Sofia", "Hiroshi", "Ingrid", "Kwame", "Zoe", "Ravi", "Leila", "Tomas"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez",
        "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Lee", "Nguyen", "Patel",
        "Kim", "Schmidt", "Rossi", "Silva", "Okafor", "Tanaka", "Haddad", "Novak", "Larsen"]
# (city, province, provinceCode, zip prefix)
US_CITIES = [("New York", "New York", "NY", "100"), ("Brooklyn", "New York", "NY", "112"),
             ("Los Angeles", "California", "CA", "900"), ("San Francisco", "California", "CA", "941"),
             ("Chicago", "Illinois", "IL", "606"), ("Houston", "Texas", "TX", "770"),
             ("Austin", "Texas", "TX", "787"), ("Seattle", "Washington", "WA", "981"),
             ("Denver", "Colorado", "CO", "802"), ("Boston", "Massachusetts", "MA", "021"),
             ("Miami", "Florida", "FL", "331"), ("Portland", "Oregon", "OR", "972"),
             ("Nashville", "Tennessee", "TN", "372"), ("Atlanta", "Georgia", "GA", "303")]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Pine St", "Lakeview Rd",
           "Hillcrest Ave", "Sunset Blvd", "Park Pl", "River Rd", "Washington St", "2nd Ave"]
# currency -> (country, countryCode, timezone, tz abbreviation, offset minutes, weight unit, unit system)
COUNTRY = {
    "USD": ("United States", "US", "America/New_York", "EST", -300, "POUNDS", "IMPERIAL_SYSTEM"),
    "CAD": ("Canada", "CA", "America/Toronto", "EST", -300, "KILOGRAMS", "METRIC_SYSTEM"),
    "EUR": ("Germany", "DE", "Europe/Berlin", "CET", 60, "KILOGRAMS", "METRIC_SYSTEM"),
    "GBP": ("United Kingdom", "GB", "Europe/London", "GMT", 0, "KILOGRAMS", "METRIC_SYSTEM"),
    "AUD": ("Australia", "AU", "Australia/Sydney", "AEDT", 660, "KILOGRAMS", "METRIC_SYSTEM"),
}

# Sales channels: sourceName -> (app id, app name)
CHANNEL_APPS = {
    "web": ("gid://shopify/App/580111", "Online Store"),
    "pos": ("gid://shopify/App/129785", "Point of Sale"),
    "shopify_draft_order": ("gid://shopify/App/1354745", "Draft Orders"),
}
PUBLICATIONS = [
    ("gid://shopify/Publication/81000000001", "Online Store", "web"),
    ("gid://shopify/Publication/81000000002", "Point of Sale", "pos"),
]
# Shipping methods: (title, code, source, price cents, carrier)
SHIPPING_METHODS = [
    ("Standard Shipping", "STANDARD", "shopify", 595, None),
    ("Express Shipping", "EXPRESS", "shopify", 1495, None),
    ("Free Shipping", "FREE", "shopify", 0, None),
    ("UPS Ground", "03", "ups_shipping", 1125, "UPS"),
    ("FedEx 2Day", "FEDEX_2_DAY", "fedex", 2150, "FedEx"),
    ("USPS Priority Mail", "Priority", "usps", 895, "USPS"),
]
LOCAL_PICKUP = ("Local Pickup", "Pickup", "shopify", 0, None)
CARRIERS = [("UPS", "https://www.ups.com/track?tracknum={}", "1Z{:016d}"),
            ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={}", "94001{:017d}"),
            ("FedEx", "https://www.fedex.com/fedextrack/?trknbr={}", "{:012d}"),
            ("DHL Express", "https://www.dhl.com/en/express/tracking.html?AWB={}", "{:010d}")]
LOCATION_TEMPLATES = [
    # name, fulfillsOnlineOrders, city index, address
    ("Main Warehouse", True, 4, "2500 W Fulton St"),
    ("East Coast Fulfillment Center", True, 9, "88 Commerce Way"),
    ("Downtown Store", False, 0, "415 Broadway"),
    ("Mall Kiosk", False, 6, "9500 Galleria Blvd"),
    ("West Coast Warehouse", True, 3, "1200 Harbor Dr"),
    ("Airport Pop-up", False, 8, "8500 Pena Blvd"),
    ("Outlet Store", False, 12, "600 Outlet Pkwy"),
    ("Returns Center", True, 5, "12 Logistics Ct"),
]
RETURN_REASONS = ["Too small", "Too large", "Changed my mind", "Arrived damaged", "Not as described",
                  "Wrong item sent", "Color not as pictured"]
CANCEL_REASONS = ["CUSTOMER", "INVENTORY", "FRAUD", "DECLINED", "OTHER"]


# --- helpers -------------------------------------------------------------------------------
def _parse_ts(s: str | datetime | int | float) -> int:
    if isinstance(s, (int, float)):
        return int(s)
    if isinstance(s, datetime):
        if s.tzinfo is None:
            s = s.replace(tzinfo=timezone.utc)
        return int(s.timestamp())
    return timegm(time.strptime(s.replace("Z", "").split(".")[0], "%Y-%m-%dT%H:%M:%S"))


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _amt(cents: int) -> str:
    neg = cents < 0
    cents = abs(cents)
    return f"{'-' if neg else ''}{cents // 100}.{cents % 100:02d}"


def _money(cents: int, cur: str) -> dict:
    return {"amount": _amt(cents), "currencyCode": cur}


def _bag(cents: int, cur: str) -> dict:
    m = _amt(cents)
    return {"shopMoney": {"amount": m, "currencyCode": cur},
            "presentmentMoney": {"amount": m, "currencyCode": cur}}


def _ean13(n: int) -> str:
    digits = f"200{n % 10**9:09d}"
    s = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - s % 10) % 10)


def _slug(s: str) -> str:
    out = []
    for ch in s.lower():
        if ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def _rng(seed: int, kind: int, i: int) -> random.Random:
    return random.Random((seed * 1_000_003 + kind) * 10_000_019 + i)


class LazySeq:
    """A re-iterable, indexable, lazily generated sequence of dicts.

    Every iteration and every `seq[i]` builds fresh objects from the seed.
    `list(seq)` materialises everything.
    """

    def __init__(self, n: int, build: Callable[[int], dict]):
        self._n = n
        self._build = build

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[dict]:
        build = self._build
        for i in range(self._n):
            yield build(i)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._build(k) for k in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._build(i)

    def __bool__(self) -> bool:
        return self._n > 0


@dataclass
class SeedData:
    shop: dict
    locations: list
    products: LazySeq
    orders: LazySeq
    customers: LazySeq
    publications: list
    delivery_profiles: list
    seed: int = 0
    anchor: str = ANCHOR
    extra: dict = field(default_factory=dict)

    def count_variants(self) -> int:
        """Total variants, without building the products."""
        g = self.extra["generator"]
        return sum(g.variant_count(i) for i in range(len(self.products)))

    def variants(self) -> Iterator[dict]:
        for p in self.products:
            yield from p["variants"]


# --- the generator ---------------------------------------------------------------------------
class _Gen:
    K_PRODUCT, K_ORDER, K_CUSTOMER, K_SHOP = 1, 2, 3, 4

    def __init__(self, seed: int, n_products: int, n_orders: int, n_locations: int, shop_domain: str,
                 currency: str, anchor, image_base: str | None, n_customers: int | None,
                 sku_edge_cases: bool = False):
        self.seed = seed
        self.sku_edge_cases = sku_edge_cases
        self.n_products = max(0, int(n_products))
        self.n_orders = max(0, int(n_orders))
        self.n_locations = max(1, int(n_locations))
        self.domain = shop_domain
        self.cur = currency
        self.anchor = _parse_ts(anchor)
        self.image_base = (image_base or f"https://{shop_domain}/cdn/shop/files").rstrip("/")
        self.n_customers = n_customers if n_customers is not None else max(5, self.n_orders // 3)
        self.country = COUNTRY.get(currency, COUNTRY["USD"])
        self.locations = self._locations()
        self.online_locations = [l for l in self.locations if l["fulfillsOnlineOrders"]]
        self.pos_locations = [l for l in self.locations if not l["fulfillsOnlineOrders"]] or self.locations[:1]
        self._line_source = lru_cache(maxsize=8192)(self._line_source_uncached)

    # ---- shop, locations, publications, delivery profiles ----
    def shop(self) -> dict:
        handle = self.domain.split(".")[0]
        name = handle.replace("-", " ").title()
        country, cc, tz, tza, off, wu, us = self.country
        created = self.anchor - 3 * 365 * 86400
        city, prov, pcode, zp = US_CITIES[0] if cc == "US" else ("Capital City", None, None, "100")
        addr = {"id": f"gid://shopify/ShopAddress/{B_ADDRESS - 1}", "address1": "1 Commerce Plaza",
                "address2": "Suite 200", "city": city, "province": prov, "provinceCode": pcode,
                "zip": zp + "01", "country": country, "countryCodeV2": cc, "company": name,
                "phone": "+1 212-555-0100", "latitude": None, "longitude": None,
                "coordinatesValidated": False, "formatted": [], "formattedArea": f"{city}, {country}"}
        sign = "-" if off < 0 else "+"
        return {
            "id": f"gid://shopify/Shop/{60_000_000 + (sum(map(ord, self.domain)) * 7919) % 9_000_000}",
            "name": name,
            "email": f"owner@{handle}.example.com",
            "contactEmail": f"hello@{handle}.example.com",
            "shopOwnerName": "Alex Morgan",
            "myshopifyDomain": self.domain,
            "url": f"https://{self.domain}",
            "primaryDomain": {"id": "gid://shopify/Domain/70000000001", "host": self.domain,
                              "url": f"https://{self.domain}", "sslEnabled": True},
            "currencyCode": self.cur,
            "enabledPresentmentCurrencies": [self.cur],
            "ianaTimezone": tz,
            "timezoneAbbreviation": tza,
            "timezoneOffset": f"{sign}{abs(off) // 60:02d}{abs(off) % 60:02d}",
            "timezoneOffsetMinutes": off,
            "weightUnit": wu,
            "unitSystem": us,
            "billingAddress": addr,
            "shopAddress": addr,
            "description": f"{name}: apparel, home goods and outdoor gear.",
            "createdAt": iso(created),
            "updatedAt": iso(self.anchor - 86400),
            "taxesIncluded": self.cur != "USD" and self.cur != "CAD",
            "taxShipping": False,
            "checkoutApiSupported": True,
            "setupRequired": False,
            "orderNumberFormatPrefix": "#",
            "orderNumberFormatSuffix": "",
            "transactionalSmsDisabled": False,
            "marketingSmsConsentEnabledAtCheckout": False,
            "shipsToCountries": [cc],
        }

    def _locations(self) -> list:
        country, cc, *_ = self.country
        out = []
        created = self.anchor - 2 * 365 * 86400
        n = self.n_locations
        for i in range(n):
            if i < len(LOCATION_TEMPLATES):
                name, online, ci, street = LOCATION_TEMPLATES[i]
            else:
                ci = i % len(US_CITIES)
                name, online, street = f"Store #{i + 1}", False, f"{100 + i} Market St"
            if i == 0:
                online = True   # the default (primary) location always fulfils online orders
            if n > 1 and i == 1 and n <= 2:
                online = False  # two locations: one warehouse, one shop
            city, prov, pcode, zp = US_CITIES[ci]
            num = B_LOCATION + i + 1
            out.append({
                "id": f"gid://shopify/Location/{num}",
                "legacyResourceId": str(num),
                "name": name,
                "address": {"address1": street, "address2": None, "city": city, "province": prov,
                            "provinceCode": pcode, "zip": f"{zp}{10 + i:02d}", "country": country,
                            "countryCode": cc, "phone": f"+1 555-01{i:02d}", "latitude": None,
                            "longitude": None, "formatted": [street, f"{city} {pcode} {zp}{10 + i:02d}", country]},
                "isActive": True,
                "activatable": False,
                "deactivatable": i != 0,
                "deletable": False,
                "deactivatedAt": None,
                "fulfillsOnlineOrders": online,
                "shipsInventory": online,
                "hasActiveInventory": True,
                "hasUnfulfilledOrders": False,
                "isFulfillmentService": False,
                "fulfillmentService": None,
                "isPrimary": i == 0,
                "addressVerified": True,
                "createdAt": iso(created + i * 86400 * 20),
                "updatedAt": iso(created + i * 86400 * 20 + 3600),
            })
        return out

    def publications(self) -> list:
        out = []
        for pid, name, src in PUBLICATIONS:
            app_id, app_name = CHANNEL_APPS[src]
            out.append({"id": pid, "name": name, "autoPublish": src == "web", "supportsFuturePublishing": src == "web",
                        "catalog": {"id": pid.replace("Publication", "AppCatalog"), "title": name, "status": "ACTIVE"},
                        "app": {"id": app_id, "title": app_name, "handle": _slug(app_name)},
                        "channels": [{"id": pid.replace("Publication", "Channel"), "name": name, "handle": _slug(name)}]})
        return out

    def delivery_profiles(self) -> list:
        cur = self.cur
        country, cc, *_ = self.country

        def method(n, title, price, desc=None):
            return {"id": f"gid://shopify/DeliveryMethodDefinition/{72_000_000_000 + n}", "name": title,
                    "active": True, "description": desc, "methodConditions": [],
                    "rateProvider": {"id": f"gid://shopify/DeliveryRateDefinition/{73_000_000_000 + n}",
                                     "price": _money(price, cur)}}

        online = [{"id": l["id"], "name": l["name"]} for l in self.online_locations]
        general = {
            "id": "gid://shopify/DeliveryProfile/74000000001", "name": "General profile", "default": True,
            "version": 1, "activeMethodDefinitionsCount": 5, "originLocationCount": len(online),
            "locationsWithoutRatesCount": 0, "zoneCountryCount": 2, "coversAllItems": True,
            "unassignedLocations": [],
            "profileLocationGroups": [{
                "locationGroup": {"id": "gid://shopify/DeliveryLocationGroup/75000000001", "locations": online},
                "countriesInAnyZone": [{"zone": "Domestic", "country": {"code": {"countryCode": cc}, "name": country}}],
                "locationGroupZones": [
                    {"zone": {"id": "gid://shopify/DeliveryZone/76000000001", "name": "Domestic",
                              "countries": [{"id": "gid://shopify/DeliveryCountry/1", "name": country,
                                             "code": {"countryCode": cc, "restOfWorld": False}}]},
                     "methodDefinitions": [method(1, "Standard Shipping", 595, "3-5 business days"),
                                           method(2, "Express Shipping", 1495, "1-2 business days"),
                                           method(3, "Free Shipping", 0, "Orders over 75.00"),
                                           method(4, "Local Pickup", 0, "Usually ready in 24 hours")]},
                    {"zone": {"id": "gid://shopify/DeliveryZone/76000000002", "name": "Rest of world",
                              "countries": [{"id": "gid://shopify/DeliveryCountry/2", "name": "Rest of World",
                                             "code": {"countryCode": None, "restOfWorld": True}}]},
                     "methodDefinitions": [method(5, "International Shipping", 2500, "7-14 business days")]},
                ]}],
        }
        heavy = {
            "id": "gid://shopify/DeliveryProfile/74000000002", "name": "Heavy and oversized", "default": False,
            "version": 1, "activeMethodDefinitionsCount": 2, "originLocationCount": 1,
            "locationsWithoutRatesCount": 0, "zoneCountryCount": 1, "coversAllItems": False,
            "unassignedLocations": [],
            "profileLocationGroups": [{
                "locationGroup": {"id": "gid://shopify/DeliveryLocationGroup/75000000002", "locations": online[:1]},
                "countriesInAnyZone": [],
                "locationGroupZones": [
                    {"zone": {"id": "gid://shopify/DeliveryZone/76000000003", "name": "Domestic freight",
                              "countries": [{"id": "gid://shopify/DeliveryCountry/3", "name": country,
                                             "code": {"countryCode": cc, "restOfWorld": False}}]},
                     "methodDefinitions": [method(6, "UPS Ground", 1125), method(7, "Freight Delivery", 4900)]}]}],
        }
        return [general, heavy]

    # ---- products ----
    def variant_count(self, i: int) -> int:
        r = _rng(self.seed, self.K_PRODUCT, i)
        return self._draw_variant_count(r)

    @staticmethod
    def _draw_variant_count(r: random.Random) -> int:
        # weights for 1..6 variants: mean ~3.4
        x = r.random()
        return 1 if x < 0.18 else 2 if x < 0.33 else 3 if x < 0.52 else 4 if x < 0.70 else 5 if x < 0.82 else 6

    def product(self, i: int) -> dict:
        r = _rng(self.seed, self.K_PRODUCT, i)
        nv = self._draw_variant_count(r)
        rnd = r.random
        cat = CATEGORIES[int(rnd() * len(CATEGORIES))]
        ptypes, opts_pool, (pmin, pmax), (gmin, gmax), code = cat[1], cat[2], cat[3], cat[4], cat[5]
        noun = ptypes[int(rnd() * len(ptypes))]
        adj = ADJECTIVES[int(rnd() * len(ADJECTIVES))]
        vendor = VENDORS[int(rnd() * len(VENDORS))]
        title = f"{adj} {noun}"
        handle = f"{_slug(title)}-{i + 1}"
        x = rnd()
        status = "ACTIVE" if x < 0.86 else "DRAFT" if x < 0.95 else "ARCHIVED"
        ntags = int(rnd() * 4)
        tags = sorted({TAGS[int(rnd() * len(TAGS))] for _ in range(ntags)})
        created = self.anchor - 400 * 86400 + int(rnd() * 380 * 86400)
        updated = created + int(rnd() * max(1, self.anchor - created))
        base_price = int(pmin + rnd() * (pmax - pmin)) // 100 * 100 + (99 if rnd() < 0.7 else 0)
        on_sale = rnd() < 0.2
        grams = int(gmin + rnd() * (gmax - gmin))
        pnum = B_PRODUCT + i + 1
        pid = f"gid://shopify/Product/{pnum}"
        cur = self.cur

        # options
        if nv == 1:
            options = [("Title", ["Default Title"])]
            combos = [("Default Title",)]
        else:
            o1 = opts_pool[0]
            if len(opts_pool) > 1 and nv > len(o1[1]) or (len(opts_pool) > 1 and rnd() < 0.5):
                o2 = opts_pool[1]
                v1 = o1[1][: max(1, min(len(o1[1]), (nv + 1) // 2))]
                v2 = o2[1][: max(1, -(-nv // len(v1)))]
                combos = [(a, b) for a in v1 for b in v2][:nv]
                options = [(o1[0], [v for v in v1 if any(c[0] == v for c in combos)]),
                           (o2[0], [v for v in v2 if any(c[1] == v for c in combos)])]
            else:
                v1 = o1[1][:nv]
                combos = [(a,) for a in v1]
                options = [(o1[0], v1)]
            nv = len(combos)
        opt_dicts = []
        value_ids = {}
        for oi, (oname, values) in enumerate(options):
            ovals = []
            for vi, val in enumerate(values):
                vid = f"gid://shopify/ProductOptionValue/{B_OPTION_VALUE + pnum % 10**9 * 64 + oi * 16 + vi}"
                value_ids[(oname, val)] = vid
                ovals.append({"id": vid, "name": val, "hasVariants": True, "linkedMetafieldValue": None,
                              "swatch": None})
            opt_dicts.append({"id": f"gid://shopify/ProductOption/{B_OPTION + pnum % 10**9 * 4 + oi}",
                              "name": oname, "position": oi + 1, "values": list(values), "optionValues": ovals,
                              "linkedMetafield": None})

        # media: 1-3 images
        nimg = 1 + int(rnd() * 3)
        media, images = [], []
        for m in range(nimg):
            mnum = B_MEDIA + i * 8 + m
            url = f"{self.image_base}/{handle}-{m + 1}.svg"
            alt = f"{title} image {m + 1}"
            img = {"id": f"gid://shopify/ImageSource/{B_IMAGE + i * 8 + m}", "url": url, "altText": alt,
                   "width": 800, "height": 800}
            images.append(img)
            media.append({"id": f"gid://shopify/MediaImage/{mnum}", "alt": alt, "mediaContentType": "IMAGE",
                          "status": "READY", "fileStatus": "READY", "mimeType": "image/svg+xml",
                          "image": dict(img), "preview": {"image": dict(img), "status": "READY"},
                          "createdAt": iso(created), "updatedAt": iso(created)})

        # variants
        locs = self.locations
        tracked_product = rnd() < 0.95
        variants = []
        total_inv = 0
        vtime = iso(updated)
        ctime = iso(created)
        for k, combo in enumerate(combos):
            vnum = B_VARIANT + i * 8 + k
            inum = B_ITEM + i * 8 + k
            item_id = f"gid://shopify/InventoryItem/{inum}"
            sku = f"{code}-{i + 1:06d}-{k + 1:02d}"
            if self.sku_edge_cases:
                x = rnd()
                if x < 0.02:
                    sku = ""                                   # a variant without a SKU
                elif x < 0.04:
                    sku = f"SHARED-{int(rnd() * 5) + 1:03d}"   # one SKU on several variants
            price = base_price + (k // 2) * 200 if len(options) > 1 and options[0][0] in ("Size", "Capacity") else base_price
            compare = price + int(price * 0.25) // 100 * 100 if on_sale else None
            vtitle = " / ".join(combo)
            levels = []
            available_sum = 0
            for li, loc in enumerate(locs):
                if li > 0 and rnd() < 0.35:
                    continue  # not stocked here
                avail = int(rnd() * (120 if li == 0 else 40))
                if rnd() < 0.06:
                    avail = 0
                committed = int(rnd() * 4) if rnd() < 0.3 else 0
                reserved = 1 if rnd() < 0.05 else 0
                incoming = int(rnd() * 50) if rnd() < 0.1 else 0
                available_sum += avail
                lnum = int(loc["id"].rsplit("/", 1)[1])
                levels.append({
                    "id": f"gid://shopify/InventoryLevel/{lnum}?inventory_item_id={inum}",
                    "location": {"id": loc["id"]},
                    "isActive": True,
                    "canDeactivate": li != 0,
                    "quantities": {"available": avail, "on_hand": avail + committed + reserved,
                                   "committed": committed, "incoming": incoming, "reserved": reserved,
                                   "damaged": 0, "safety_stock": 0, "quality_control": 0},
                    "createdAt": ctime,
                    "updatedAt": vtime,
                })
            total_inv += available_sum
            variants.append({
                "id": f"gid://shopify/ProductVariant/{vnum}",
                "legacyResourceId": str(vnum),
                "title": vtitle,
                "displayName": f"{title} - {vtitle}",
                "sku": sku,
                "barcode": _ean13(i * 8 + k),
                "price": _amt(price),
                "compareAtPrice": _amt(compare) if compare else None,
                "position": k + 1,
                "inventoryPolicy": "CONTINUE" if rnd() < 0.05 else "DENY",
                "inventoryQuantity": available_sum,
                "availableForSale": status == "ACTIVE" and available_sum > 0,
                "taxable": True,
                "requiresComponents": False,
                "selectedOptions": [{"name": options[oi][0], "value": val,
                                     "optionValue": {"id": value_ids[(options[oi][0], val)], "name": val}}
                                    for oi, val in enumerate(combo)],
                "media": [{"id": media[k % nimg]["id"]}] if nimg > 1 else [],
                "product": {"id": pid},
                "createdAt": ctime,
                "updatedAt": vtime,
                "inventoryItem": {
                    "id": item_id,
                    "legacyResourceId": str(inum),
                    "sku": sku,
                    "tracked": tracked_product,
                    "requiresShipping": True,
                    "countryCodeOfOrigin": "US" if k % 3 else "CN",
                    "harmonizedSystemCode": None,
                    "unitCost": _money(int(price * 0.42), cur),
                    "measurement": {"weight": {"unit": "GRAMS", "value": float(grams)}},
                    "createdAt": ctime,
                    "updatedAt": vtime,
                    "inventoryLevels": levels,
                },
            })
        pubs = []
        if status == "ACTIVE":
            pubs.append({"publication": {"id": PUBLICATIONS[0][0]}, "isPublished": True, "publishDate": iso(created)})
            if rnd() < 0.6:
                pubs.append({"publication": {"id": PUBLICATIONS[1][0]}, "isPublished": True,
                             "publishDate": iso(created)})
        prices = [int(v["price"].replace(".", "")) for v in variants]
        return {
            "id": pid,
            "legacyResourceId": str(pnum),
            "title": title,
            "handle": handle,
            "descriptionHtml": f"<p>The {title.lower()} by {vendor}. Designed to last, made to be worn and used every day.</p>",
            "description": f"The {title.lower()} by {vendor}. Designed to last, made to be worn and used every day.",
            "productType": noun,
            "vendor": vendor,
            "status": status,
            "tags": tags,
            "templateSuffix": None,
            "isGiftCard": False,
            "hasOnlyDefaultVariant": nv == 1,
            "hasOutOfStockVariants": any(v["inventoryQuantity"] <= 0 for v in variants),
            "tracksInventory": tracked_product,
            "totalInventory": total_inv,
            "createdAt": ctime,
            "updatedAt": vtime,
            "publishedAt": ctime if status == "ACTIVE" else None,
            "onlineStoreUrl": f"https://{self.domain}/products/{handle}" if status == "ACTIVE" else None,
            "seo": {"title": None, "description": None},
            "category": None,
            "options": opt_dicts,
            "media": media,
            "images": images,
            "featuredMedia": media[0] if media else None,
            "priceRangeV2": {"minVariantPrice": _money(min(prices), cur), "maxVariantPrice": _money(max(prices), cur)},
            "variantsCount": {"count": nv, "precision": "EXACT"},
            "resourcePublications": pubs,
            "variants": variants,
        }

    def _line_source_uncached(self, i: int) -> tuple:
        p = self.product(i)
        vs = tuple((v["id"], v["sku"], v["title"], int(v["price"].replace(".", "")), v["inventoryItem"]["id"],
                    v["inventoryItem"]["measurement"]["weight"]["value"]) for v in p["variants"])
        return (p["id"], p["title"], p["vendor"], p["status"], p["productType"], vs)

    # ---- customers ----
    def _address(self, r: random.Random, num: int, first: str, last: str, company: bool = False) -> dict:
        country, cc, *_ = self.country
        city, prov, pcode, zp = US_CITIES[int(r.random() * len(US_CITIES))]
        street = f"{int(r.random() * 9800) + 100} {STREETS[int(r.random() * len(STREETS))]}"
        zip_ = f"{zp}{int(r.random() * 100):02d}"
        apt = f"Apt {int(r.random() * 40) + 1}" if r.random() < 0.25 else None
        return {"id": f"gid://shopify/MailingAddress/{num}", "firstName": first, "lastName": last,
                "name": f"{first} {last}", "company": "Example Corp" if company else None,
                "address1": street, "address2": apt, "city": city, "province": prov, "provinceCode": pcode,
                "zip": zip_, "country": country, "countryCodeV2": cc,
                "phone": f"+1 {200 + int(r.random() * 700)}-555-{int(r.random() * 10000):04d}",
                "latitude": None, "longitude": None, "coordinatesValidated": False,
                "formatted": [street] + ([apt] if apt else []) + [f"{city} {pcode} {zip_}", country],
                "formattedArea": f"{city} {pcode}, {country}"}

    def customer(self, c: int) -> dict:
        r = _rng(self.seed, self.K_CUSTOMER, c)
        first = FIRST[int(r.random() * len(FIRST))]
        last = LAST[int(r.random() * len(LAST))]
        num = B_CUSTOMER + c + 1
        email = f"{first.lower()}.{last.lower()}{c + 1}@example.com"
        addr = self._address(r, B_ADDRESS + c * 2, first, last, company=r.random() < 0.1)
        created = self.anchor - 500 * 86400 + int(r.random() * 400 * 86400)
        accepts = r.random() < 0.4
        return {
            "id": f"gid://shopify/Customer/{num}",
            "legacyResourceId": str(num),
            "firstName": first, "lastName": last, "displayName": f"{first} {last}",
            "email": email,
            "phone": addr["phone"] if r.random() < 0.3 else None,
            "defaultEmailAddress": {"emailAddress": email,
                                    "marketingState": "SUBSCRIBED" if accepts else "NOT_SUBSCRIBED"},
            "defaultPhoneNumber": None,
            "defaultAddress": addr,
            "addresses": [addr],
            "state": "ENABLED" if r.random() < 0.6 else "DISABLED",
            "verifiedEmail": True,
            "taxExempt": False,
            "taxExemptions": [],
            "tags": ["vip"] if r.random() < 0.05 else [],
            "note": None,
            "locale": "en",
            "createdAt": iso(created),
            "updatedAt": iso(created + int(r.random() * 90 * 86400)),
        }

    # ---- orders ----
    def order(self, n: int) -> dict:
        r = _rng(self.seed, self.K_ORDER, n)
        rnd = r.random
        cur = self.cur
        onum = B_ORDER + n + 1
        oid = f"gid://shopify/Order/{onum}"
        number = 1001 + n
        name = f"#{number}"
        span = 60 * 86400
        n_total = max(1, self.n_orders)
        created = self.anchor - span + int(span * n / n_total) + int(rnd() * span / n_total)

        x = rnd()
        source = "web" if x < 0.6 else "pos" if x < 0.85 else "shopify_draft_order"
        app_id, app_name = CHANNEL_APPS[source]

        # customer
        cust = None
        if self.n_customers and (source != "pos" or rnd() < 0.5):
            cust = self.customer(int(rnd() * self.n_customers))

        # gateways
        x = rnd()
        if source == "web":
            gateways = ["shopify_payments"] if x < 0.68 else ["paypal"] if x < 0.88 else ["gift_card", "shopify_payments"]
        elif source == "pos":
            gateways = ["cash"] if x < 0.4 else ["shopify_payments"] if x < 0.9 else ["gift_card", "cash"]
        else:
            gateways = ["manual"] if x < 0.7 else ["shopify_payments"]

        # line items
        nlines = 1 + int(rnd() ** 2 * 4)
        lines = []
        seen = set()
        subtotal = 0
        weight = 0
        for k in range(nlines):
            if self.n_products == 0:
                break
            for _try in range(4):
                pi = int(rnd() * self.n_products)
                src = self._line_source(pi)
                if src[3] == "ACTIVE":
                    break
            pid, ptitle, vendor, _st, _pt, vs = src
            vi = int(rnd() * len(vs))
            if (pi, vi) in seen:
                continue
            seen.add((pi, vi))
            vid, sku, vtitle, price, item_id, grams = vs[vi]
            qty = 1 if rnd() < 0.7 else 2 if rnd() < 0.7 else 3
            disc = int(price * qty * 0.1) if rnd() < 0.12 else 0
            lnum = B_LINE + n * 16 + k
            subtotal += price * qty - disc
            weight += int(grams) * qty
            lines.append({
                "id": f"gid://shopify/LineItem/{lnum}",
                "title": ptitle,
                "name": ptitle if vtitle == "Default Title" else f"{ptitle} - {vtitle}",
                "variantTitle": None if vtitle == "Default Title" else vtitle,
                "sku": sku,
                "vendor": vendor,
                "quantity": qty,
                "currentQuantity": qty,
                "unfulfilledQuantity": qty,
                "refundableQuantity": qty,
                "nonFulfillableQuantity": 0,
                "requiresShipping": source != "pos",
                "taxable": True,
                "isGiftCard": False,
                "merchantEditable": True,
                "restockable": True,
                "variant": {"id": vid},
                "product": {"id": pid},
                "inventoryItemId": item_id,
                "customAttributes": [],
                "originalUnitPriceSet": _bag(price, cur),
                "discountedUnitPriceSet": _bag(price - disc // qty, cur),
                "discountedUnitPriceAfterAllDiscountsSet": _bag(price - disc // qty, cur),
                "originalTotalSet": _bag(price * qty, cur),
                "discountedTotalSet": _bag(price * qty - disc, cur),
                "totalDiscountSet": _bag(disc, cur),
                "unfulfilledDiscountedTotalSet": _bag(price * qty - disc, cur),
                "unfulfilledOriginalTotalSet": _bag(price * qty, cur),
                "taxLines": [],
                "discountAllocations": ([{"allocatedAmountSet": _bag(disc, cur)}] if disc else []),
                "duties": [],
                "weight": {"unit": "GRAMS", "value": float(grams)},
            })
        if not lines and self.n_products:
            return self.order_fallback(n)

        # shipping
        ship_lines = []
        ship_price = 0
        if source == "web":
            m = SHIPPING_METHODS[int(rnd() * len(SHIPPING_METHODS))] if rnd() < 0.93 else LOCAL_PICKUP
            if m[0] == "Free Shipping" and subtotal < 7500:
                m = SHIPPING_METHODS[0]
            ship_price = m[3]
            ship_lines.append(self._ship_line(n, m[0], m[1], m[2], ship_price, m[4], False))
        elif source == "shopify_draft_order":
            if rnd() < 0.6:
                ship_price = 1000
                ship_lines.append(self._ship_line(n, "Custom shipping", None, None, ship_price, None, True))
            else:
                m = SHIPPING_METHODS[0]
                ship_price = m[3]
                ship_lines.append(self._ship_line(n, m[0], m[1], m[2], m[3], None, False))
        pickup = bool(ship_lines) and ship_lines[0]["title"] == "Local Pickup"

        tax_rate = 0.08 if cur == "USD" else 0.0
        tax = int(round(subtotal * tax_rate))
        total = subtotal + ship_price + tax
        total_disc = sum(int(l["totalDiscountSet"]["shopMoney"]["amount"].replace(".", "")) for l in lines)

        # addresses
        first, last = (cust["firstName"], cust["lastName"]) if cust else (FIRST[n % len(FIRST)], LAST[n % len(LAST)])
        ship_addr = None
        bill_addr = None
        if source != "pos":
            ship_addr = (dict(cust["defaultAddress"]) if cust and rnd() < 0.8
                         else self._address(r, B_ORDER_ADDRESS + n * 2, first, last))
            ship_addr["id"] = f"gid://shopify/MailingAddress/{B_ORDER_ADDRESS + n * 2}"
            bill_addr = dict(ship_addr) if rnd() < 0.85 else self._address(r, B_ORDER_ADDRESS + n * 2 + 1, first, last)
            bill_addr["id"] = f"gid://shopify/MailingAddress/{B_ORDER_ADDRESS + n * 2 + 1}"
        elif cust:
            bill_addr = dict(cust["defaultAddress"])
            bill_addr["id"] = f"gid://shopify/MailingAddress/{B_ORDER_ADDRESS + n * 2 + 1}"

        # location and fulfilment plan
        if source == "pos":
            loc = self.pos_locations[int(rnd() * len(self.pos_locations))]
        else:
            loc = self.online_locations[0] if rnd() < 0.7 or len(self.online_locations) == 1 else \
                self.online_locations[1 + int(rnd() * (len(self.online_locations) - 1))]
        processed = created
        updated = created
        x = rnd()
        cancelled = source != "pos" and x < 0.05
        if source == "pos":
            fstate = "all"
        elif cancelled:
            fstate = "none"
        else:
            y = rnd()
            age = self.anchor - created
            if age < 2 * 86400:
                fstate = "none" if y < 0.75 else "partial"
            else:
                fstate = "none" if y < 0.15 else "partial" if y < 0.30 else "all"
        edited = source == "web" and not cancelled and rnd() < 0.08
        cust_email = cust["email"] if cust else None

        order = {
            "id": oid,
            "legacyResourceId": str(onum),
            "name": name,
            "number": number,
            "confirmationNumber": "".join("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[int(rnd() * 32)] for _ in range(9)),
            "email": cust_email,
            "phone": None,
            "createdAt": iso(created),
            "processedAt": iso(processed),
            "updatedAt": iso(updated),
            "closed": False,
            "closedAt": None,
            "cancelledAt": None,
            "cancelReason": None,
            "confirmed": True,
            "test": False,
            "edited": False,
            "note": "Please gift wrap" if rnd() < 0.05 else None,
            "tags": (["wholesale"] if source == "shopify_draft_order" and rnd() < 0.4 else [])
                    + (["vip"] if cust and "vip" in cust["tags"] else []),
            "currencyCode": cur,
            "presentmentCurrencyCode": cur,
            "customerLocale": "en",
            "customerAcceptsMarketing": bool(cust) and cust["defaultEmailAddress"]["marketingState"] == "SUBSCRIBED",
            "taxesIncluded": False,
            "taxExempt": False,
            "estimatedTaxes": False,
            "dutiesIncluded": False,
            "sourceName": source,
            "sourceIdentifier": f"{loc['legacyResourceId']}-{number}" if source == "pos" else None,
            "app": {"id": app_id, "name": app_name},
            "publication": ({"id": PUBLICATIONS[0][0]} if source == "web"
                            else {"id": PUBLICATIONS[1][0]} if source == "pos" else None),
            "channelInformation": ({"id": f"gid://shopify/ChannelInformation/{onum}",
                                    "channelId": (PUBLICATIONS[0][0] if source == "web" else PUBLICATIONS[1][0]).replace(
                                        "Publication", "Channel"),
                                    "displayName": app_name, "app": {"id": app_id, "title": app_name}}
                                   if source in ("web", "pos") else None),
            "retailLocation": {"id": loc["id"]} if source == "pos" else None,
            "paymentGatewayNames": gateways,
            "customer": cust,
            "shippingAddress": ship_addr,
            "billingAddress": bill_addr,
            "billingAddressMatchesShippingAddress": bool(ship_addr and bill_addr and
                                                         ship_addr["address1"] == bill_addr["address1"]),
            "requiresShipping": source != "pos",
            "discountCodes": ["WELCOME10"] if total_disc and rnd() < 0.5 else [],
            "lineItems": lines,
            "shippingLines": ship_lines,
            "shippingLine": ship_lines[0] if ship_lines else None,
            "taxLines": ([{"title": "Sales Tax", "rate": tax_rate, "ratePercentage": tax_rate * 100,
                           "priceSet": _bag(tax, cur)}] if tax else []),
            "subtotalLineItemsQuantity": sum(l["quantity"] for l in lines),
            "currentSubtotalLineItemsQuantity": sum(l["quantity"] for l in lines),
            "totalWeight": str(weight),
            "currentTotalWeight": str(weight),
            "fulfillmentOrders": [],
            "fulfillments": [],
            "refunds": [],
            "returns": [],
            "transactions": [],
        }
        self._totals(order, subtotal, ship_price, tax, total_disc)

        # transactions (sale)
        paid = not (source == "shopify_draft_order" and gateways == ["manual"] and rnd() < 0.25)
        tnum = B_TRANSACTION + n * 8
        if paid:
            remaining = total
            for gi, g in enumerate(gateways):
                amt = remaining if gi == len(gateways) - 1 else min(remaining, 2500)
                remaining -= amt
                order["transactions"].append(self._transaction(tnum + gi, "SALE", g, amt, created, source, loc))
        financial = "PAID" if paid else "PENDING"

        # fulfillment orders: one per assigned location (split occasionally)
        fo_groups = [(loc, list(range(len(lines))))]
        if source == "web" and len(lines) > 1 and len(self.online_locations) > 1 and rnd() < 0.12:
            other = [l for l in self.online_locations if l["id"] != loc["id"]][0]
            cut = max(1, len(lines) // 2)
            fo_groups = [(loc, list(range(cut))), (other, list(range(cut, len(lines))))]
        method_type = "NONE" if source == "pos" else "PICK_UP" if pickup else "SHIPPING"
        fo_line_seq = 0
        for gi, (gloc, idxs) in enumerate(fo_groups):
            fo_lines = []
            for li in idxs:
                l = lines[li]
                fo_lines.append({
                    "id": f"gid://shopify/FulfillmentOrderLineItem/{B_FO_LINE + n * 64 + fo_line_seq}",
                    "lineItem": {"id": l["id"]},
                    "totalQuantity": l["quantity"],
                    "remainingQuantity": l["quantity"],
                    "sku": l["sku"],
                    "productTitle": l["title"],
                    "variantTitle": l["variantTitle"],
                    "vendor": l["vendor"],
                    "variant": dict(l["variant"]),
                    "inventoryItemId": l["inventoryItemId"],
                    "requiresShipping": l["requiresShipping"],
                    "weight": dict(l["weight"]),
                })
                fo_line_seq += 1
            order["fulfillmentOrders"].append({
                "id": f"gid://shopify/FulfillmentOrder/{B_FO + n * 4 + gi}",
                "orderId": oid,
                "orderName": name,
                "orderProcessedAt": iso(processed),
                "status": "OPEN",
                "requestStatus": "UNSUBMITTED",
                "createdAt": iso(created),
                "updatedAt": iso(created),
                "fulfillAt": iso(created),
                "fulfillBy": None,
                "fulfillmentHolds": [],
                "deliveryMethod": {"id": f"gid://shopify/DeliveryMethod/{B_FO + n * 4 + gi}", "methodType": method_type,
                                   "presentedName": ship_lines[0]["title"] if ship_lines else None},
                "destination": ({"firstName": ship_addr["firstName"], "lastName": ship_addr["lastName"],
                                 "address1": ship_addr["address1"], "address2": ship_addr["address2"],
                                 "city": ship_addr["city"], "province": ship_addr["province"],
                                 "zip": ship_addr["zip"], "countryCode": ship_addr["countryCodeV2"],
                                 "email": cust_email, "phone": ship_addr["phone"]} if ship_addr else None),
                "assignedLocation": {"name": gloc["name"], "location": {"id": gloc["id"]},
                                     "address1": gloc["address"]["address1"], "city": gloc["address"]["city"],
                                     "province": gloc["address"]["province"], "zip": gloc["address"]["zip"],
                                     "countryCode": gloc["address"]["countryCode"], "phone": gloc["address"]["phone"]},
                "supportedActions": [{"action": "CREATE_FULFILLMENT"}, {"action": "HOLD"}, {"action": "MOVE"}],
                "lineItems": fo_lines,
            })

        for l in lines:
            del l["inventoryItemId"]   # not a LineItem field: kept only to build the fulfillment order lines
        t = created
        # edits: remove one unit (or a whole line) before anything ships
        if edited:
            cand = [l for l in lines if l["quantity"] >= 2] or (lines[1:] if len(lines) > 1 else [])
            if cand:
                l = cand[int(rnd() * len(cand))]
                new_q = l["quantity"] - 1 if l["quantity"] >= 2 else 0
                self._set_line_quantity(order, l, new_q)
                order["edited"] = True
                t += int(rnd() * 6 * 3600) + 600

        # fulfilments
        fcount = 0
        if fstate != "none":
            for fo in order["fulfillmentOrders"]:
                fl_lines = []
                for fol in fo["lineItems"]:
                    q = fol["remainingQuantity"]
                    if q <= 0:
                        continue
                    if fstate == "partial":
                        if fl_lines and rnd() < 0.5:
                            continue
                        q = max(1, q - 1) if q > 1 and rnd() < 0.5 else q
                    fl_lines.append((fol, q))
                if not fl_lines:
                    continue
                t += int(rnd() * 2 * 86400) + 1800 if source != "pos" else 0
                t = min(t, self.anchor - 60)
                self._fulfil(order, fo, fl_lines, t, n, fcount, r, source)
                fcount += 1
                if fstate == "partial":
                    break
        self._recompute_status(order)

        # cancellation
        if cancelled:
            t = created + int(rnd() * 86400) + 300
            order["cancelledAt"] = iso(t)
            order["cancelReason"] = CANCEL_REASONS[int(rnd() * len(CANCEL_REASONS))]
            order["closed"] = True
            order["closedAt"] = iso(t)
            for fo in order["fulfillmentOrders"]:
                fo["status"] = "CLOSED" if any(fl["remainingQuantity"] < fl["totalQuantity"] for fl in fo["lineItems"]) else "CANCELLED"
                for fl in fo["lineItems"]:
                    fl["remainingQuantity"] = 0
                fo["updatedAt"] = iso(t)
            if paid:
                # full refund of a cancelled, paid order
                self._refund(order, [(l, l["currentQuantity"]) for l in lines if l["currentQuantity"] > 0],
                             t, n, 0, r, restock="CANCEL", with_shipping=True, note="Order cancelled")
                financial = "REFUNDED"
            else:
                financial = "VOIDED"
            for l in lines:
                l["unfulfilledQuantity"] = 0
                l["refundableQuantity"] = 0
            updated = t

        # returns and refunds on fulfilled orders
        if fcount and paid and not cancelled:
            y = rnd()
            fulfilled_lines = [(fli, l) for f in order["fulfillments"] for fli in f["fulfillmentLineItems"]
                               for l in lines if l["id"] == fli["lineItem"]["id"]]
            if y < 0.06 and fulfilled_lines and source != "pos":
                fli, l = fulfilled_lines[int(rnd() * len(fulfilled_lines))]
                t = max(t, created) + int(rnd() * 5 * 86400) + 86400
                t = min(t, self.anchor - 30)
                ret = self._return(order, fli, l, t, n, r)
                if ret["status"] == "CLOSED":
                    self._refund(order, [(l, ret["totalQuantity"])], t + 3600, n, len(order["refunds"]), r,
                                 restock="RETURN", return_id=ret["id"], note="Return processed")
                updated = max(updated, t + 3600)
            elif y < 0.14:
                l = lines[int(rnd() * len(lines))]
                if l["currentQuantity"] > 0:
                    t = max(t, created) + int(rnd() * 3 * 86400) + 3600
                    t = min(t, self.anchor - 30)
                    self._refund(order, [(l, 1)], t, n, len(order["refunds"]), r, restock="NO_RESTOCK",
                                 note="Damaged in transit" if rnd() < 0.5 else "Goodwill refund")
                    updated = max(updated, t)
            if order["refunds"]:
                refunded = sum(int(rf["totalRefundedSet"]["shopMoney"]["amount"].replace(".", ""))
                               for rf in order["refunds"])
                financial = "REFUNDED" if refunded >= total else "PARTIALLY_REFUNDED"

        if order["refunds"]:
            refunded = sum(int(rf["totalRefundedSet"]["shopMoney"]["amount"].replace(".", "")) for rf in order["refunds"])
        else:
            refunded = 0
        order["totalRefundedSet"] = _bag(refunded, cur)
        order["totalRefundedShippingSet"] = _bag(
            sum(int(s["subtotalAmountSet"]["shopMoney"]["amount"].replace(".", ""))
                for rf in order["refunds"] for s in rf["refundShippingLines"]), cur)
        received = total if paid else 0
        order["totalReceivedSet"] = _bag(received, cur)
        order["netPaymentSet"] = _bag(received - refunded, cur)
        order["totalOutstandingSet"] = _bag(0 if paid or cancelled else total, cur)
        order["totalCapturableSet"] = _bag(0, cur)
        order["displayFinancialStatus"] = financial
        order["fullyPaid"] = paid
        order["unpaid"] = not paid
        order["refundable"] = paid and refunded < total
        order["canMarkAsPaid"] = not paid and not cancelled
        if order["displayFulfillmentStatus"] == "FULFILLED" and source == "pos":
            order["closed"] = True
            order["closedAt"] = order["fulfillments"][-1]["createdAt"] if order["fulfillments"] else iso(created)
        all_times = [updated, t]
        order["updatedAt"] = iso(min(max(all_times), self.anchor))
        order["returnStatus"] = ("RETURNED" if any(rt["status"] == "CLOSED" for rt in order["returns"])
                                 else "IN_PROGRESS" if order["returns"] else "NO_RETURN")
        return order

    def order_fallback(self, n: int) -> dict:  # pragma: no cover - only when every draw collides
        raise RuntimeError(f"order {n}: no line items could be drawn")

    # ---- order pieces ----
    def _ship_line(self, n, title, code, source, price, carrier, custom) -> dict:
        cur = self.cur
        return {"id": f"gid://shopify/ShippingLine/{B_SHIP_LINE + n * 2}", "title": title, "code": code,
                "source": source, "carrierIdentifier": None if not carrier else _slug(carrier),
                "custom": custom, "isRemoved": False, "phone": None, "deliveryCategory": None,
                "shippingRateHandle": None,
                "originalPriceSet": _bag(price, cur), "discountedPriceSet": _bag(price, cur),
                "currentDiscountedPriceSet": _bag(price, cur), "taxLines": [], "discountAllocations": []}

    def _transaction(self, num, kind, gateway, cents, t, source, loc) -> dict:
        cur = self.cur
        return {"id": f"gid://shopify/OrderTransaction/{num}", "kind": kind, "status": "SUCCESS",
                "gateway": gateway, "formattedGateway": {"shopify_payments": "Shopify Payments", "paypal": "PayPal",
                                                         "gift_card": "Gift card", "cash": "Cash",
                                                         "manual": "Manual"}.get(gateway, gateway),
                "manualPaymentGateway": gateway in ("manual", "cash"),
                "amountSet": _bag(cents, cur), "createdAt": iso(t), "processedAt": iso(t), "test": False,
                "errorCode": None, "paymentId": f"p{num}", "location": {"id": loc["id"]} if source == "pos" else None,
                "parentTransaction": None}

    def _totals(self, o, subtotal, ship, tax, disc):
        cur = self.cur
        total = subtotal + ship + tax
        o["subtotalPriceSet"] = _bag(subtotal, cur)
        o["currentSubtotalPriceSet"] = _bag(subtotal, cur)
        o["totalShippingPriceSet"] = _bag(ship, cur)
        o["currentShippingPriceSet"] = _bag(ship, cur)
        o["totalTaxSet"] = _bag(tax, cur)
        o["currentTotalTaxSet"] = _bag(tax, cur)
        o["totalDiscountsSet"] = _bag(disc, cur)
        o["currentTotalDiscountsSet"] = _bag(disc, cur)
        o["cartDiscountAmountSet"] = None
        o["currentCartDiscountAmountSet"] = _bag(0, cur)
        o["totalPriceSet"] = _bag(total, cur)
        o["currentTotalPriceSet"] = _bag(total, cur)
        o["originalTotalPriceSet"] = _bag(total, cur)
        o["totalTipReceivedSet"] = _bag(0, cur)

    def _set_line_quantity(self, order, line, new_q):
        """An order edit: the line's current quantity changes; totals follow."""
        cur = self.cur
        old_q = line["currentQuantity"]
        unit = int(line["discountedUnitPriceSet"]["shopMoney"]["amount"].replace(".", ""))
        line["currentQuantity"] = new_q
        line["unfulfilledQuantity"] = new_q
        line["refundableQuantity"] = new_q
        line["unfulfilledDiscountedTotalSet"] = _bag(unit * new_q, cur)
        for fo in order["fulfillmentOrders"]:
            for fl in fo["lineItems"]:
                if fl["lineItem"]["id"] == line["id"]:
                    fl["totalQuantity"] = new_q
                    fl["remainingQuantity"] = new_q
            if fo["lineItems"] and all(fl["totalQuantity"] == 0 for fl in fo["lineItems"]):
                fo["status"] = "CLOSED"
        delta = unit * (old_q - new_q)
        sub = int(order["currentSubtotalPriceSet"]["shopMoney"]["amount"].replace(".", "")) - delta
        tax = int(round(sub * (0.08 if self.cur == "USD" else 0.0)))
        ship = int(order["currentShippingPriceSet"]["shopMoney"]["amount"].replace(".", ""))
        order["currentSubtotalPriceSet"] = _bag(sub, cur)
        order["currentTotalTaxSet"] = _bag(tax, cur)
        order["currentTotalPriceSet"] = _bag(sub + ship + tax, cur)
        order["currentSubtotalLineItemsQuantity"] = sum(l["currentQuantity"] for l in order["lineItems"])

    def _fulfil(self, order, fo, fl_lines, t, n, fcount, r, source):
        cur = self.cur
        fnum = B_FULFILLMENT + n * 4 + fcount
        tracking = []
        if source != "pos" and fo["deliveryMethod"]["methodType"] == "SHIPPING":
            company, url_t, num_t = CARRIERS[int(r.random() * len(CARRIERS))]
            number = num_t.format(int(r.random() * 10**10) * 1000 + n % 1000)
            tracking.append({"company": company, "number": number, "url": url_t.format(number)})
        f_lines = []
        for j, (fol, q) in enumerate(fl_lines):
            line = next(l for l in order["lineItems"] if l["id"] == fol["lineItem"]["id"])
            unit = int(line["discountedUnitPriceSet"]["shopMoney"]["amount"].replace(".", ""))
            f_lines.append({"id": f"gid://shopify/FulfillmentLineItem/{B_F_LINE + n * 64 + fcount * 16 + j}",
                            "lineItem": {"id": line["id"]}, "quantity": q,
                            "originalTotalSet": _bag(unit * q, cur), "discountedTotalSet": _bag(unit * q, cur)})
            fol["remainingQuantity"] -= q
            line["unfulfilledQuantity"] -= q
            line["unfulfilledDiscountedTotalSet"] = _bag(unit * line["unfulfilledQuantity"], cur)
        fo["status"] = "CLOSED" if all(fl["remainingQuantity"] == 0 for fl in fo["lineItems"]) else "IN_PROGRESS"
        fo["updatedAt"] = iso(t)
        delivered = source != "pos" and r.random() < 0.5 and t < self.anchor - 3 * 86400
        order["fulfillments"].append({
            "id": f"gid://shopify/Fulfillment/{fnum}",
            "legacyResourceId": str(fnum),
            "name": f"{order['name']}-F{fcount + 1}",
            "status": "SUCCESS",
            "displayStatus": ("DELIVERED" if delivered else "IN_TRANSIT" if tracking else "FULFILLED"),
            "createdAt": iso(t),
            "updatedAt": iso(t + (2 * 86400 if delivered else 0)),
            "deliveredAt": iso(t + 2 * 86400) if delivered else None,
            "inTransitAt": iso(t + 3600) if tracking else None,
            "estimatedDeliveryAt": None,
            "location": {"id": fo["assignedLocation"]["location"]["id"]},
            "requiresShipping": source != "pos",
            "service": {"handle": "manual", "serviceName": "Manual"},
            "totalQuantity": sum(q for _, q in fl_lines),
            "trackingInfo": tracking,
            "fulfillmentLineItems": f_lines,
            "fulfillmentOrders": [{"id": fo["id"]}],
        })

    def _recompute_status(self, order):
        lines = order["lineItems"]
        total = sum(l["currentQuantity"] for l in lines)
        left = sum(l["unfulfilledQuantity"] for l in lines)
        if total == 0 or left == 0:
            st = "FULFILLED"
        elif left == total:
            st = "UNFULFILLED"
        else:
            st = "PARTIALLY_FULFILLED"
        order["displayFulfillmentStatus"] = st
        order["fulfillable"] = left > 0

    def _refund(self, order, items, t, n, idx, r, restock="NO_RESTOCK", with_shipping=False, note=None,
                return_id=None):
        cur = self.cur
        rnum = B_REFUND + n * 4 + idx
        rlines = []
        amount = 0
        loc_id = order["fulfillmentOrders"][0]["assignedLocation"]["location"]["id"] if order["fulfillmentOrders"] else None
        for j, (line, q) in enumerate(items):
            unit = int(line["discountedUnitPriceSet"]["shopMoney"]["amount"].replace(".", ""))
            sub = unit * q
            tx = int(round(sub * (0.08 if cur == "USD" else 0.0)))
            amount += sub + tx
            rlines.append({"id": f"gid://shopify/RefundLineItem/{B_REFUND_LINE + n * 16 + idx * 4 + j}",
                           "lineItem": {"id": line["id"]}, "quantity": q, "restockType": restock,
                           "restocked": restock in ("RETURN", "CANCEL"),
                           "location": {"id": loc_id} if restock in ("RETURN", "CANCEL") and loc_id else None,
                           "priceSet": _bag(unit, cur), "subtotalSet": _bag(sub, cur), "totalTaxSet": _bag(tx, cur)})
            line["refundableQuantity"] = max(0, line["refundableQuantity"] - q)
        ship_lines = []
        if with_shipping and order["shippingLines"]:
            sl = order["shippingLines"][0]
            sp = int(sl["originalPriceSet"]["shopMoney"]["amount"].replace(".", ""))
            if sp:
                amount += sp
                ship_lines.append({"id": f"gid://shopify/RefundShippingLine/{B_REFUND_LINE + n * 16 + 15}",
                                   "shippingLine": {"id": sl["id"], "title": sl["title"]},
                                   "subtotalAmountSet": _bag(sp, cur), "taxAmountSet": _bag(0, cur)})
        gateway = order["paymentGatewayNames"][-1] if order["paymentGatewayNames"] else "manual"
        tx = self._transaction(B_TRANSACTION + n * 8 + 4 + idx, "REFUND", gateway, amount, t, order["sourceName"],
                               {"id": loc_id})
        order["transactions"].append(tx)
        order["refunds"].append({
            "id": f"gid://shopify/Refund/{rnum}",
            "legacyResourceId": str(rnum),
            "note": note,
            "createdAt": iso(t),
            "processedAt": iso(t),
            "updatedAt": iso(t),
            "order": {"id": order["id"]},
            "return": {"id": return_id} if return_id else None,
            "totalRefundedSet": _bag(amount, cur),
            "refundLineItems": rlines,
            "refundShippingLines": ship_lines,
            "orderAdjustments": [],
            "duties": [],
            "transactions": [{"id": tx["id"], "kind": "REFUND", "status": "SUCCESS", "gateway": gateway,
                              "amountSet": _bag(amount, cur)}],
        })

    def _return(self, order, fli, line, t, n, r) -> dict:
        idx = len(order["returns"])
        rnum = B_RETURN + n * 4 + idx
        q = 1
        closed = r.random() < 0.6
        ret = {
            "id": f"gid://shopify/Return/{rnum}",
            "name": f"{order['name']}-R{idx + 1}",
            "status": "CLOSED" if closed else "OPEN",
            "createdAt": iso(t),
            "requestApprovedAt": iso(t),
            "closedAt": iso(t + 3600) if closed else None,
            "order": {"id": order["id"]},
            "totalQuantity": q,
            "returnLineItems": [{
                "id": f"gid://shopify/ReturnLineItem/{B_RETURN_LINE + n * 16 + idx}",
                "quantity": q,
                "returnReasonNote": RETURN_REASONS[int(r.random() * len(RETURN_REASONS))],
                "customerNote": None,
                "fulfillmentLineItem": {"id": fli["id"], "lineItem": {"id": line["id"]}},
                "processedQuantity": q if closed else 0,
                "unprocessedQuantity": 0 if closed else q,
                "processableQuantity": 0 if closed else q,
                "refundedQuantity": q if closed else 0,
                "refundableQuantity": 0 if closed else q,
            }],
            "returnShippingFees": [],
        }
        order["returns"].append(ret)
        return ret


def generate(seed: int = 1, products: int = 20, orders: int = 20, locations: int = 4, *,
             shop_domain: str = "demo.myshopify.com", currency: str = "USD", anchor=ANCHOR,
             image_base: str | None = None, customers: int | None = None,
             sku_edge_cases: bool = False) -> SeedData:
    """A deterministic store.

    - `products`: number of products (each has 1-6 variants, about 3.4 on average, so
      100k variants is about 29k products).
    - `orders`: number of orders, numbered #1001 upwards, spread over the 60 days
      before `anchor`.
    - `locations`: the first is the default online location; with 4 locations, two
      fulfil online orders and two are POS-only stores (`fulfillsOnlineOrders: false`).
    - `anchor`: the instant the data is dated against (ISO string, datetime or epoch).
    - `image_base`: base URL of product image files (`{image_base}/{handle}-{n}.svg`);
      devstore serves such files at `/cdn/shop/files/<name>.svg`.
    - `customers`: size of the customer pool orders draw from (default: orders / 3, at least 5).
    - `sku_edge_cases`: off by default (every SKU unique and present); on, about 2% of
      variants have no SKU and 2% share one of five `SHARED-00n` SKUs.
    """
    g = _Gen(seed, products, orders, locations, shop_domain, currency, anchor, image_base, customers,
             sku_edge_cases)
    return SeedData(
        shop=g.shop(),
        locations=copy.deepcopy(g.locations),
        products=LazySeq(g.n_products, g.product),
        orders=LazySeq(g.n_orders, g.order),
        customers=LazySeq(g.n_customers, g.customer),
        publications=g.publications(),
        delivery_profiles=g.delivery_profiles(),
        seed=seed,
        anchor=iso(g.anchor),
        extra={"generator": g},
    )


def products_for_variants(variants: int) -> int:
    """About how many products give `variants` variants (mean 3.43 per product)."""
    return max(1, round(variants / 3.43))
