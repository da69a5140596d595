"""Recording the OMS's brokering status of an order, and what Shopify's cancellations
do to it. No commit: the caller owns it. The decisions are `broker_status`'s."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update

from ...extensions import db
from ...models import Facility, Order, OrderLine
from ...shopify.gids import gid_of
from .broker_status import CANCELLABLE, check_lines_known


# Why a status is not recorded (web/ answers each with its status).
LINES_UNKNOWN = "lines_unknown"  # a line not the order's, or a facility not the shop's: `errors` lists them


class StatusRefused(ValueError):
    """The status cannot be recorded, in the OMS's words; `reason` says why (LINES_UNKNOWN),
    `errors` which fields."""

    def __init__(self, reason: str, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.reason = reason
        self.errors = errors or []


def find_order(shop_id: int, ref: str) -> Order | None:
    order_gid = gid_of("Order", ref)
    if order_gid is None:
        return None
    return db.session.execute(select(Order).where(Order.shop_id == shop_id, Order.shopify_id == order_gid)
                              ).scalar_one_or_none()


def record_status(shop_id: int, order: Order, status: str, lines: list[dict]) -> bool:
    """Set the order's broker status (and, brokered, each given line's facility).
    True when something changed; the same status again changes nothing (and keeps
    `updated_at`). A change moves `updated_at`, so OMS readers by `updated_since` see it."""
    order_lines = {l.shopify_id: l for l in db.session.execute(
        select(OrderLine).where(OrderLine.shop_id == shop_id, OrderLine.order_shopify_id == order.shopify_id)
    ).scalars()}
    facilities = set(db.session.execute(
        select(Facility.external_id).where(Facility.shop_id == shop_id,
                                           Facility.external_id.in_([l["facility_id"] for l in lines]))).scalars())
    errors = check_lines_known(lines, set(order_lines), facilities)
    if errors:
        raise StatusRefused(LINES_UNKNOWN, "; ".join(f"{'.'.join(e['field'])}: {e['message']}" for e in errors), errors)
    changed = order.broker_status != status
    for line in lines:
        stored = order_lines[line["line_item_id"]]
        if stored.facility_id != line["facility_id"]:
            stored.facility_id = line["facility_id"]
            changed = True
    if changed:
        order.broker_status = status
        order.updated_at = datetime.now(timezone.utc)
    return changed


def mark_cancelled_in_shopify(shop_id: int, order_gids: list[str]) -> None:
    """Orders Shopify cancelled leave the brokering queue: `broker_status` `cancelled`
    (see `broker_status` for why the status itself, not a flag beside it)."""
    if not order_gids:
        return
    db.session.execute(
        update(Order).where(Order.shop_id == shop_id, Order.shopify_id.in_(order_gids),
                            Order.cancelled_at.is_not(None), Order.broker_status.in_(CANCELLABLE))
        .values(broker_status="cancelled", updated_at=datetime.now(timezone.utc))
        .execution_options(synchronize_session=False))
