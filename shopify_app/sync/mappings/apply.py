"""Saving the merchant's mapping changes, row by row, and carrying them to the stored records."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from ...extensions import db
from ...models.mappings import MappingValue, OmsValue
from .catalogue import CATALOGUE_KIND, KINDS, oms_value_exists, oms_values
from .changes import ChangeRequest, Proposal, decide_changes
from .fold import channel_aliases
from .reach import reach_stored
from .resolver import invalidate


def apply_changes(shop_id: int, kind: str, proposal: Proposal) -> ChangeRequest:
    """Apply a save of mappings (see `changes`): every row that is right is saved, and
    reaches the stored records carrying its value; the others are listed in `errors`.
    An unknown kind raises MappingError."""
    catalogue_kind = CATALOGUE_KIND.get(kind)
    known = {v["value"] for v in oms_values(shop_id, catalogue_kind)} if kind in KINDS else set()
    carriers = {v["value"] for v in oms_values(shop_id, "carrier")} if kind == "shipping_method" else set()
    request = decide_changes(kind, proposal, known, carriers)
    changes = dict(request.changes)
    if kind == "sales_channel":
        # A channel's other name (its app's, "Online Store" for `web`) takes the same mapping.
        rows = db.session.execute(select(MappingValue.shopify_value, MappingValue.label).where(
            MappingValue.shop_id == shop_id, MappingValue.kind == kind)).all()
        for value, aliases in channel_aliases([tuple(r) for r in rows]).items():
            # One channel, one mapping: a change to either name is saved for both (the
            # name sent wins when both are sent).
            names = [value, *aliases]
            sent = next((request.changes[n] for n in names if n in request.changes), None)
            if sent is not None:
                for name in names:
                    changes.setdefault(name, sent)

    now = datetime.now(timezone.utc)
    try:
        for catalogue, items in ((catalogue_kind, request.new_values), ("carrier", request.new_carriers)):
            for value, label in items:
                if oms_value_exists(shop_id, catalogue, value):
                    continue
                db.session.add(OmsValue(shop_id=shop_id, kind=catalogue, value=value, label=label, created_at=now))
        existing = {
            row.shopify_value: row
            for row in db.session.execute(
                select(MappingValue).where(
                    MappingValue.shop_id == shop_id, MappingValue.kind == kind,
                    MappingValue.shopify_value.in_(list(changes)),
                )
            ).scalars()
        } if changes else {}
        for shopify_value, (oms_value, carrier) in changes.items():
            row = existing.get(shopify_value)
            if row is None:
                # Mapped ahead of being seen: the merchant knows a value Shopify will send.
                row = MappingValue(shop_id=shop_id, kind=kind, shopify_value=shopify_value, source="manual",
                                   first_seen_at=now, last_seen_at=now)
                db.session.add(row)
            if (row.oms_value, row.oms_carrier) != (oms_value, carrier):
                row.oms_value = oms_value
                row.oms_carrier = carrier
                row.mapped_at = now
        db.session.flush()
        # Every stored record carrying these values takes the mapping (and moves its
        # updated_at), in the same transaction: the mapping and its records never disagree.
        reach_stored(shop_id, kind, list(changes))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    invalidate(shop_id)
    return request
