"""Locations, facilities and mappings on a connection's page, changed by super users only
(staff read them): the same sync/ functions the merchant's JSON API calls
(locations_api.py, mappings_api.py), so a change here is what the merchant's save does."""
from __future__ import annotations

from flask import abort, flash, request
from sqlalchemy import select

from ...extensions import db
from ...models import Location, MappingValue
from ...sync.locations import mapping as location_mapping
from ...sync.mappings.catalogue import KINDS
from ...sync.mappings.changes import MappingError
from ..mapping_bodies import BodyError, save_body
from .auth import record, requires
from .connections import shop_or_404
from .shop_detail import back_to


def location_or_404(shop, location_id: int) -> Location:
    loc = db.session.get(Location, location_id)
    if loc is None or loc.shop_id != shop.id:
        abort(404, "This shop has no such location.")
    return loc


def facility_label(loc: Location) -> str | None:
    facility = location_mapping.facility_of(loc)
    return facility.external_id if facility else None


@requires("super_user")
def location_update(domain: str, location_id: int):
    shop = shop_or_404(domain)
    loc = location_or_404(shop, location_id)
    changes: dict = {}
    if "facility_id" in request.form:
        changes["facility_id"] = request.form["facility_id"].strip() or None
    if request.form.get("default") == "1":
        changes["default"] = True
    if not changes:
        flash("Nothing to change: choose a facility or make the location the default.", "critical")
        return back_to(shop, "locations")
    before = {"facility_id": facility_label(loc), "default": loc.is_default}
    try:
        location_mapping.update_location(shop, loc, changes)
    except location_mapping.LocationError as exc:
        db.session.rollback()
        flash(f"{loc.name} was not changed: {exc}.", "critical")
        return back_to(shop, "locations")
    after = {"facility_id": facility_label(loc), "default": loc.is_default}
    record("location.update", shop=shop, before={"location": loc.name, **before}, after={"location": loc.name, **after})
    db.session.commit()
    flash(f"{loc.name}: facility {after['facility_id'] or 'none'}{', the default location' if after['default'] else ''}.",
          "success")
    return back_to(shop, "locations")


@requires("super_user")
def location_facility(domain: str, location_id: int):
    shop = shop_or_404(domain)
    loc = location_or_404(shop, location_id)
    try:
        facility = location_mapping.create_facility(shop, loc)
    except location_mapping.LocationError as exc:
        db.session.rollback()
        flash(f"No facility was created for {loc.name}: {exc}.", "critical")
        return back_to(shop, "locations")
    record("location.create_facility", shop=shop, before={"location": loc.name, "facility_id": None},
           after={"location": loc.name, "facility_id": facility.external_id})
    db.session.commit()
    flash(f"Facility {facility.external_id} was created from {loc.name} and mapped to it.", "success")
    return back_to(shop, "locations")


@requires("super_user")
def mapping_update(domain: str, kind: str):
    shop = shop_or_404(domain)
    if kind not in KINDS:
        abort(404, f"There is no mapping kind {kind!r}.")
    shopify_value = request.form.get("shopify_value", "")
    item = {"shopify_value": shopify_value, "oms_value": request.form.get("oms_value", "").strip() or None}
    if kind == "shipping_method":
        item["carrier"] = request.form.get("carrier", "").strip() or None
    row = db.session.execute(select(MappingValue).where(MappingValue.shop_id == shop.id, MappingValue.kind == kind,
                                                        MappingValue.shopify_value == shopify_value.strip())
                             ).scalar_one_or_none()
    before = {"oms_value": row.oms_value, "carrier": row.oms_carrier} if row else {"oms_value": None, "carrier": None}
    try:
        saved = save_body(shop.id, kind, {"mappings": [item]})  # read and committed as the merchant's PUT is
        refused = saved.errors[0].error if saved.errors else None  # rows are saved one by one
    except (BodyError, MappingError) as exc:
        refused = str(exc)
    if refused:
        db.session.rollback()
        flash(f"The mapping of {shopify_value[:80]!r} was not changed: {refused}.", "critical")
        return back_to(shop, f"mappings-{kind}")
    after = {"oms_value": item["oms_value"], "carrier": item.get("carrier")}
    if after != before:
        record("mapping.update", shop=shop, before={"kind": kind, "shopify_value": shopify_value, **before},
               after={"kind": kind, "shopify_value": shopify_value, **after})
        db.session.commit()
    flash(f"{shopify_value[:80]} maps to {item['oms_value'] or 'nothing'}.", "success")
    return back_to(shop, f"mappings-{kind}")
