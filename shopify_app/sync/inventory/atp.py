"""ATP in: the rows of one `PUT /oms/v1/inventory` call stored, all or nothing."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from ...extensions import db
from ...models import AtpLevel, Facility, Variant
from ..tenancy import ALL_STORES, Tenancy
from ..upsert import batched, upsert
from .atp_rows import row_indexes, validate_atp_rows

MAX_LISTED_ERRORS = 100
MAX_LISTED_UNKNOWN_SKUS = 100

# Why a call's rows are not stored (web/ answers each with its status).
MALFORMED = "malformed"  # a row is not a {facility_id, sku, atp}
CONTRADICTORY = "contradictory"  # each row well-formed, two give one facility and SKU different atps
UNKNOWN_FACILITY = "unknown_facility"  # no such facility, or one of a shop the tenancy does not see


class AtpRejected(ValueError):
    """None of the call's rows were stored; `reason` says why (one of the reasons above),
    `rows` the first bad rows of `error_count`."""

    def __init__(self, reason: str, message: str, rows: list[dict], error_count: int):
        super().__init__(message)
        self.reason = reason
        self.rows = rows
        self.error_count = error_count


def _rejected(reason: str, message: str, errors: list[dict]) -> AtpRejected:
    return AtpRejected(reason, message, errors[:MAX_LISTED_ERRORS], len(errors))


def unknown_skus(rows: list[tuple[int, str]]) -> list[str]:
    """The SKUs of (shop id, SKU) rows that the shop's catalog lacks (no live variant has them),
    sorted. Stored all the same: the OMS may know products Shopify has not sent us yet."""
    wanted: dict[int, set[str]] = {}
    for shop_id, sku in rows:
        wanted.setdefault(shop_id, set()).add(sku)
    missing: set[str] = set()
    for shop_id, skus in wanted.items():
        known: set[str] = set()
        for chunk in batched(sorted(skus), 500):
            known.update(db.session.execute(select(Variant.sku).where(
                Variant.shop_id == shop_id, Variant.sku.in_(chunk), Variant.deleted_at.is_(None))).scalars())
        missing |= skus - known
    return sorted(missing)


def apply_atp(body, tenancy: Tenancy = ALL_STORES) -> dict:
    """Store the ATP rows of one call, all or nothing. Raises AtpRejected. The answer counts
    what was stored, and the SKUs no shop's catalog knows (stored too; the first listed).
    A facility of a shop the tenancy does not see is an unknown facility."""
    rows, errors = validate_atp_rows(body)
    if any("repeats" not in e for e in errors):
        raise _rejected(MALFORMED, f"{len(errors)} malformed row(s); nothing was changed", errors)
    if errors:
        # Each row well-formed, the call contradicting itself.
        raise _rejected(CONTRADICTORY, f"{len(errors)} row(s) repeat a facility and SKU with a different atp; "
                                       "nothing was changed", errors)
    wanted = sorted({r[0] for r in rows})
    facilities: dict[str, Facility] = {}
    for chunk in batched(wanted, 500):
        for f in db.session.execute(select(Facility).where(
                Facility.external_id.in_(chunk), tenancy.shop_ids(Facility.shop_id))).scalars():
            facilities[f.external_id] = f
    unknown = [
        {"index": i, "error": f"unknown facility {facility!r}"}
        for i, (facility, _sku, _atp) in enumerate(rows)
        if facility not in facilities
    ]
    if unknown:
        # Report the caller's own indexes.
        index_of = row_indexes(body)
        for err in unknown:
            err["index"] = index_of[err["index"]]
        names = sorted({rows[i][0] for i in range(len(rows)) if rows[i][0] not in facilities})
        raise _rejected(UNKNOWN_FACILITY, f"unknown facilities: {', '.join(names[:20])}; nothing was changed", unknown)

    unknown_skus_found = unknown_skus([(facilities[f].shop_id, sku) for f, sku, _atp in rows])
    now = datetime.now(timezone.utc)
    values = [
        {"shop_id": facilities[f].shop_id, "facility_id": facilities[f].id, "sku": sku, "atp": atp, "updated_at": now}
        for f, sku, atp in rows
    ]
    try:
        for chunk in batched(values, 5000):
            # An unchanged ATP keeps its updated_at.
            upsert(db.session, AtpLevel, chunk, keys=("facility_id", "sku"), keep=("shop_id",),
                   only_if_changed=("atp",))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    shops = sorted({facilities[f].shop_id for f, _s, _a in rows})
    return {"accepted": len(rows), "facilities": len(wanted), "shops": len(shops),
            "unknown_sku_count": len(unknown_skus_found),
            "unknown_skus": unknown_skus_found[:MAX_LISTED_UNKNOWN_SKUS]}
