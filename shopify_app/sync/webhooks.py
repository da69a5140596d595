"""Webhook topic handlers, and processing a delivery from the ledger.

A handler is `fn(shop_domain: str, payload: dict) -> None`, registered with
@handles("topic"). It runs inside the request that received the delivery, so it
must be quick: one record applied, never a download. A handler that has to ask
Shopify for more (a refetch) registers with `deferred=True`: the delivery is
acknowledged at once and applied by a worker thread right after; if the process
dies first, the scheduler finds it in the ledger and applies it.

A handler raises Rejected when the delivery must never be applied (Shopify's own
state contradicts it): it is recorded as rejected, without its payload, and not retried.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from sqlalchemy import select, update

from ..extensions import db
from ..models import ComplianceRequest, FlowState, Shop, ShopStatus, WebhookDelivery
from ..shopify.access import AccessLevel
from . import privacy
from .installation import token_still_works
from .privacy_match import email_digest
from .shop import find_shop, mark_uninstalled, update_scopes
from .webhook_checks import delivery_problem

log = logging.getLogger(__name__)

Handler = Callable[[str, dict], None]
handlers: dict[str, Handler] = {}
deferred_topics: set[str] = set()
_workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhooks")


# Topics whose handlers deal with the customer's data themselves (no re-redaction after).
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})


class Rejected(Exception):
    """The delivery contradicts Shopify's own state: record it, never apply or retry it."""


def refusal(topic: str, payload: dict, shop_domain: str, triggered_at: str | None,
            now: datetime | None = None) -> str | None:
    """Why a signed delivery must not be applied, judged from what it says; None to apply it."""
    shop = find_shop(shop_domain)
    return delivery_problem(topic, payload, shop_domain, shop.shopify_id if shop else None,
                            triggered_at, now or datetime.now(timezone.utc))


def handles(*topics: str, deferred: bool = False):
    def register(fn: Handler) -> Handler:
        for topic in topics:
            handlers[topic] = fn
            if deferred:
                deferred_topics.add(topic)
            else:
                deferred_topics.discard(topic)
        return fn

    return register


def shop_taking(domain: str, flow: str) -> Shop | None:
    """The shop a download flow's delivery is for, when that flow's records may come in
    for it now; None when the shop is unknown, uninstalled, inactive, at access none, or
    has switched the flow off."""
    shop = find_shop(domain)
    if shop is None or not shop.is_active or not AccessLevel(shop.access_level).allows(AccessLevel.READ):
        return None
    switched_off = db.session.execute(
        select(FlowState.id).where(FlowState.shop_id == shop.id, FlowState.flow == flow, FlowState.enabled.is_(False))
    ).first()
    return None if switched_off else shop


def is_deferred(topic: str) -> bool:
    return topic in deferred_topics


def process_soon(app, delivery_id: int):
    """Apply a recorded delivery on a worker thread, after the request has answered."""
    return _workers.submit(_process_claimed, app, delivery_id)


def _process_claimed(app, delivery_id: int) -> None:
    with app.app_context():
        try:
            # Claim it as the scheduler does, so that only one of us applies it.
            claimed = db.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "received")
                .values(status="retrying")
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.commit()
            if claimed == 1:
                process(db.session.get(WebhookDelivery, delivery_id))
        except Exception:  # left in the ledger for the scheduler
            log.exception("deferred webhook delivery %s failed", delivery_id)
        finally:
            db.session.remove()


def process(delivery: WebhookDelivery) -> None:
    """Apply a recorded delivery; its status says how it went. Never raises."""
    handler = handlers.get(delivery.topic)
    # The attempt is counted with the outcome, not before the handler: a pending
    # write would hold the database's write lock through the handler's Shopify calls.
    if handler is None:
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.status = "ignored"
        delivery.payload = None
        db.session.commit()
        return
    payload = delivery.payload or {}
    try:
        handler(delivery.shop_domain, payload)
        if delivery.topic not in COMPLIANCE_TOPICS:
            # A redaction that came after this delivery's data was produced erases it again.
            if privacy.reapply_redactions(find_shop(delivery.shop_domain), delivery.topic, payload,
                                          delivery.triggered_at, delivery.received_at):
                db.session.commit()
    except Rejected as exc:
        db.session.rollback()
        log.warning("webhook %s (%s) for %s rejected: %s", delivery.webhook_id, delivery.topic,
                    delivery.shop_domain, exc)
        delivery = db.session.merge(delivery)
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.status = "rejected"
        delivery.error = str(exc)[:2000]
        delivery.payload = None
        db.session.commit()
        return
    except Exception as exc:  # recorded, and retried later from the ledger
        db.session.rollback()
        log.exception("webhook %s (%s) for %s failed", delivery.webhook_id, delivery.topic, delivery.shop_domain)
        delivery = db.session.merge(delivery)
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.status = "failed"
        delivery.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        db.session.commit()
        return
    delivery.attempts = (delivery.attempts or 0) + 1
    delivery.status = "processed"
    delivery.error = None
    delivery.processed_at = datetime.now(timezone.utc)
    delivery.payload = None
    db.session.commit()


@handles("app/uninstalled")
def app_uninstalled(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is None or shop.status == ShopStatus.UNINSTALLED.value:
        return
    db.session.commit()  # no transaction held across the call to Shopify
    if token_still_works(shop):  # raises when Shopify cannot say: retried from the ledger
        db.session.commit()  # keeps the shop id Shopify answered with
        raise Rejected("Shopify still accepts the shop's token: the app is installed, the shop is kept")
    mark_uninstalled(shop)
    db.session.commit()


@handles("app/scopes_update")
def app_scopes_update(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    current = payload.get("current")
    if shop is None or not isinstance(current, list):
        return
    update_scopes(shop, [str(s) for s in current])
    db.session.commit()


def _customer_ref(shop, payload: dict) -> privacy.CustomerRef:
    customer = payload.get("customer") or {}
    orders = payload.get("orders_requested") or payload.get("orders_to_redact") or []
    return privacy.CustomerRef(
        shop=shop,
        customer_id=str(customer["id"]) if customer.get("id") is not None else None,
        email=customer.get("email"),
        order_ids=tuple(str(o) for o in orders),
    )


def _compliance_record(shop_domain: str, topic: str, payload: dict) -> ComplianceRequest:
    customer = payload.get("customer") or {}
    email = customer.get("email") if isinstance(customer.get("email"), str) else None
    record = ComplianceRequest(
        shop_domain=shop_domain,
        topic=topic,
        customer_id=str(customer["id"]) if customer.get("id") is not None else None,
        # A data request shows the merchant whom it is about; a redaction keeps no email.
        customer_email=email if topic == "customers/data_request" else None,
        customer_email_sha256=email_digest(email),
        orders_requested=payload.get("orders_requested") or payload.get("orders_to_redact"),
        data_request_id=str((payload.get("data_request") or {}).get("id") or "") or None,
    )
    db.session.add(record)
    return record


@handles("customers/data_request")
def customers_data_request(shop_domain: str, payload: dict) -> None:
    record = _compliance_record(shop_domain, "customers/data_request", payload)
    shop = find_shop(shop_domain)
    record.result = privacy.customer_data(_customer_ref(shop, payload)) if shop else {}
    record.completed_at = datetime.now(timezone.utc)
    db.session.commit()


@handles("customers/redact")
def customers_redact(shop_domain: str, payload: dict) -> None:
    record = _compliance_record(shop_domain, "customers/redact", payload)
    shop = find_shop(shop_domain)
    counts = privacy.redact_customer(_customer_ref(shop, payload)) if shop else {}
    record.result = {"redacted": counts}
    record.completed_at = datetime.now(timezone.utc)
    db.session.commit()


@handles("shop/redact")
def shop_redact(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is not None and shop.status != ShopStatus.UNINSTALLED.value:
        # Shopify sends shop/redact 48 hours after an uninstall, never to an installed app.
        raise Rejected(f"shop/redact for a shop that is {shop.status}, not uninstalled: nothing erased")
    counts = privacy.erase_shop(shop) if shop else {}
    record = _compliance_record(shop_domain, "shop/redact", {})
    record.result = {"erased": counts}
    record.completed_at = datetime.now(timezone.utc)
    db.session.commit()


def load_flow_handlers() -> None:
    """Import the flow modules whose handlers register themselves here."""
    import importlib

    for module in FLOW_MODULES:
        importlib.import_module(module)


# Flow modules that register webhook handlers (products, orders, locations, inventory...).
FLOW_MODULES: list[str] = []
FLOW_MODULES += ["shopify_app.sync.locations", "shopify_app.sync.inventory", "shopify_app.sync.fulfillments"]
FLOW_MODULES += ["shopify_app.sync.bulk", "shopify_app.sync.products", "shopify_app.sync.orders"]
