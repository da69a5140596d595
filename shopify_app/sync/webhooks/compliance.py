"""The mandatory compliance topics: `customers/data_request` (what we hold about a
customer), `customers/redact` (erase it everywhere) and `shop/redact` (erase the shop,
only once it uninstalled). The record of each keeps no personal data of a redaction."""
from __future__ import annotations

from datetime import datetime, timezone

from ...extensions import db
from ...models import ComplianceRequest, ShopStatus
from .. import privacy
from ..privacy_match import CustomerRef, OrderIdAt, email_digest
from ..shop import find_shop
from .rejected import Rejected


def customer_ref(shop, payload: dict) -> CustomerRef:
    customer = payload.get("customer") or {}
    orders = payload.get("orders_requested") or payload.get("orders_to_redact") or []
    return CustomerRef(
        shop=shop,
        customer_id=str(customer["id"]) if customer.get("id") is not None else None,
        email=customer.get("email"),
        order_ids=tuple(str(o) for o in orders),
    )


def compliance_record(shop_domain: str, topic: str, payload: dict) -> ComplianceRequest:
    customer = payload.get("customer") or {}
    email = customer.get("email") if isinstance(customer.get("email"), str) else None
    record = ComplianceRequest(
        shop_domain=shop_domain,
        topic=topic,
        customer_id=str(customer["id"]) if customer.get("id") is not None else None,
        # A data request shows the merchant whom it is about; a redaction keeps no email.
        customer_email=email if topic == "customers/data_request" else None,
        customer_email_sha256=email_digest(email, privacy.email_key()),  # keyed: see privacy_match
        orders_requested=payload.get("orders_requested") or payload.get("orders_to_redact"),
        data_request_id=str((payload.get("data_request") or {}).get("id") or "") or None,
    )
    db.session.add(record)
    return record


def customers_data_request(shop_domain: str, payload: dict) -> None:
    record = compliance_record(shop_domain, "customers/data_request", payload)
    if privacy.RedactedCustomers(shop_domain).covers(record):
        record.customer_email = None  # redacted already: their email is not kept again
    shop = find_shop(shop_domain)
    record.result = privacy.customer_data(customer_ref(shop, payload)) if shop else {}
    record.completed_at = datetime.now(timezone.utc)
    db.session.commit()


def customers_redact(shop_domain: str, payload: dict, order_id_at: OrderIdAt) -> None:
    """`order_id_at`: where each topic's body holds its order's id, for the ledger's scrub
    (bound in TOPICS, sync/registry.py, which this module cannot import)."""
    record = compliance_record(shop_domain, "customers/redact", payload)
    shop = find_shop(shop_domain)
    counts = privacy.redact_customer(customer_ref(shop, payload), order_id_at) if shop else {}
    record.result = {"redacted": counts}
    record.completed_at = datetime.now(timezone.utc)
    db.session.commit()


def shop_redact(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is not None and shop.status != ShopStatus.UNINSTALLED.value:
        # Shopify sends shop/redact 48 hours after an uninstall, never to an installed app.
        raise Rejected(f"shop/redact for a shop that is {shop.status}, not uninstalled: nothing erased")
    counts = privacy.erase_shop(shop) if shop else {}
    record = compliance_record(shop_domain, "shop/redact", {})
    record.result = {"erased": counts}
    record.completed_at = datetime.now(timezone.utc)
    db.session.commit()
