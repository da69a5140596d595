"""One row per sales channel, and readable names for codes: pure, no I/O.

A channel is met under two names: the source name an order carries (`web`, `pos`,
`shopify_draft_order`, recorded with the app's name, "Online Store", as its label) and
that app name itself (recorded from orders without a source name, and from the shop's
publications). Shown as two rows, the merchant would map "Online Store" twice; folded,
the app name is an alias of the source name, and a mapping saved for one is saved for
both.
"""
from __future__ import annotations

import re

# Shopify's payment gateway codes (order.paymentGatewayNames) with the names merchants know.
GATEWAY_LABELS = {
    "shopify_payments": "Shopify Payments",
    "manual": "Manual",
    "paypal": "PayPal",
    "gift_card": "Gift card",
    "cash": "Cash",
    "bogus": "Bogus (test) gateway",
    "shopify_installments": "Shop Pay Installments",
    "stripe": "Stripe",
    "authorize_net": "Authorize.net",
    "amazon_payments": "Amazon Pay",
    "cash_on_delivery": "Cash on delivery (COD)",
    "bank_deposit": "Bank deposit",
    "money_order": "Money order",
    "exchange-credit": "Exchange credit",
}
CODE_RE = re.compile(r"^[a-z0-9]+(?:[_\-][a-z0-9]+)*$")


def gateway_label(code: str) -> str:
    """A payment gateway's name in words: the known ones by name, another code
    (`stripe_connect`) title-cased, a value already in words kept as it is."""
    if code in GATEWAY_LABELS:
        return GATEWAY_LABELS[code]
    if CODE_RE.match(code):
        return " ".join(part.capitalize() for part in re.split(r"[_\-]", code))
    return code


def channel_aliases(rows: list[tuple[str, str | None]]) -> dict[str, list[str]]:
    """{source name: [app names folded into it]} from (shopify_value, label) rows: a value
    equal to another value's label is that value's alias. A value that is itself the
    label of nothing, or has aliases of its own, stays a row."""
    values = {value for value, _ in rows}
    primaries: dict[str, list[str]] = {}
    folded: set[str] = set()
    for value, label in sorted(rows):
        if label and label != value and label in values and label not in folded and value not in folded:
            primaries.setdefault(value, []).append(label)
            folded.add(label)
    # An alias that has aliases of its own is not folded (it would hide them).
    for primary in list(primaries):
        primaries[primary] = [a for a in primaries[primary] if a not in primaries]
        if not primaries[primary]:
            del primaries[primary]
    return primaries


# Where a value was found (MappingValue.source), as the merchant knows those places.
SOURCE_LABELS = {
    "order": "Orders",
    "product": "Products",
    "productTypes": "Product types in Shopify",
    "publications": "Sales channels in Shopify",
    "deliveryProfiles": "Shipping rates in Shopify",
    "manual": "Added by you",
}


def source_label(source: str | None) -> str | None:
    if source is None:
        return None
    return SOURCE_LABELS.get(source, "Shopify")
