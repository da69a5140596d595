"""The mapping kinds and the OMS catalogue each points to.

Kinds (Shopify side)   where the values come from                    OMS catalogue
- sales_channel        order.sourceName ("web", "pos"...), the app     sales_channel
                       name of the order, the shop's publications
- product_type         productTypes (root), product.productType         product_type
- payment_method       order.paymentGatewayNames                        payment_method
- shipping_method      order.shippingLines.title, delivery profiles'    shipment_method
                       method definitions (the rate names checkout        + carrier
                       shows, which become the shipping line titles)

The kinds themselves, each with its catalogue, the records carrying it and its label,
are one table: MAPPING_KIND_TABLE in models/mappings.py. The OMS values of a shop are
the built-in defaults below and those it added.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from ...extensions import db
from ...models.mappings import MAPPING_KIND_TABLE, MAPPING_KINDS, OMS_VALUE_KINDS, OmsValue

KINDS = MAPPING_KINDS
# The OMS catalogue kind each mapping kind points to.
CATALOGUE_KIND = {kind: facts.catalogue for kind, facts in MAPPING_KIND_TABLE.items()}


def kinds_carried_by(records: str) -> tuple[str, ...]:
    """The kinds whose mapped values `records` ("orders", "products") carry."""
    return tuple(kind for kind, facts in MAPPING_KIND_TABLE.items() if facts.records == records)

# The OMS values every shop has from the start (Apache OFBiz-style identifiers).
DEFAULT_OMS_VALUES: dict[str, tuple[tuple[str, str], ...]] = {
    "product_type": (
        ("FINISHED_GOOD", "Finished good"),
        ("DIGITAL_GOOD", "Digital good"),
        ("FINDIG_GOOD", "Finished and digital good"),
        ("SERVICE", "Service"),
        ("GIFT_CARD", "Gift card"),
        ("MARKETING_PKG", "Marketing package (kit)"),
        ("RAW_MATERIAL", "Raw material"),
        ("SUBSCRIPTION", "Subscription"),
    ),
    "sales_channel": (
        ("WEB_SALES_CHANNEL", "Web"),
        ("POS_SALES_CHANNEL", "Point of sale"),
        ("PHONE_SALES_CHANNEL", "Phone"),
        ("MOBILE_SALES_CHANNEL", "Mobile app"),
        ("DRAFT_ORDER_CHANNEL", "Draft order"),
        ("MARKETPLACE_CHANNEL", "Marketplace"),
        ("SOCIAL_SALES_CHANNEL", "Social"),
        ("WHOLESALE_CHANNEL", "Wholesale (B2B)"),
        ("UNKNWN_SALES_CHANNEL", "Unknown"),
    ),
    "payment_method": (
        ("CREDIT_CARD", "Credit card"),
        ("EXT_SHOPIFY_PAYMENTS", "Shopify Payments"),
        ("EXT_PAYPAL", "PayPal"),
        ("EXT_COD", "Cash on delivery"),
        ("GIFT_CARD", "Gift card"),
        ("EXT_BILLACT", "Bill to account"),
        ("EXT_OFFLINE", "Offline / manual payment"),
        ("CASH", "Cash"),
    ),
    "shipment_method": (
        ("STANDARD", "Standard"),
        ("GROUND", "Ground"),
        ("NEXT_DAY", "Next day"),
        ("SECOND_DAY", "Second day"),
        ("THIRD_DAY", "Third day"),
        ("EXPRESS", "Express"),
        ("SAME_DAY", "Same day"),
        ("STOREPICKUP", "Store pickup"),
        ("LOCAL_DELIVERY", "Local delivery"),
        ("NO_SHIPPING", "No shipping"),
    ),
    "carrier": (
        ("UPS", "UPS"),
        ("FEDEX", "FedEx"),
        ("USPS", "USPS"),
        ("DHL", "DHL"),
        ("CANADA_POST", "Canada Post"),
        ("ROYAL_MAIL", "Royal Mail"),
        ("AUSTRALIA_POST", "Australia Post"),
    ),
}
assert set(DEFAULT_OMS_VALUES) == set(OMS_VALUE_KINDS)

# No carrier is one choice, none (null), not a carrier of the catalogue: the OFBiz-style
# "_NA_" some shops saved earlier is read as none.
NO_CARRIER = "_NA_"

OMS_VALUE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$")
MAX_SHOPIFY_VALUE = 255

# How long a process may answer from its cache after a mapping changed elsewhere.
CACHE_TTL_SECONDS = 5.0


def normalize(value) -> str | None:
    """A Shopify value as stored: stripped text, None for nothing."""
    if value is None:
        return None
    text = str(value).strip()
    return text[:MAX_SHOPIFY_VALUE] or None


def oms_values(shop_id: int, catalogue_kind: str) -> list[dict]:
    """The OMS values available to a shop: the defaults, then the shop's own."""
    found = [{"value": v, "label": label, "default": True} for v, label in DEFAULT_OMS_VALUES[catalogue_kind]]
    known = {item["value"] for item in found}
    rows = db.session.execute(
        select(OmsValue).where(OmsValue.shop_id == shop_id, OmsValue.kind == catalogue_kind).order_by(OmsValue.value)
    ).scalars()
    for row in rows:
        if row.value not in known:
            found.append({"value": row.value, "label": row.label or row.value, "default": False})
    return found


def oms_value_exists(shop_id: int, catalogue_kind: str, value: str) -> bool:
    return value in {item["value"] for item in oms_values(shop_id, catalogue_kind)}
