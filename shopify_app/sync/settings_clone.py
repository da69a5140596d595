"""Cloning settings from one shop to another (the operator's "Clone settings"): read both
shops' settings, plan (clone_plan), apply. Mappings are saved through the same
`apply_changes` a merchant's PUT /api/mappings goes through, so they reach every stored
record carrying the value."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import FlowState, MappingValue, OmsValue, Shop
from .clone_plan import FLOWS_PART, MAPPING_PARTS, Change, ShopSettings, plan_clone
from .mappings.apply import apply_changes
from .mappings.catalogue import CATALOGUE_KIND
from .mappings.changes import Proposal, ProposedRow
from .registry import FLOWS
from .runner import flow_state


class CloneError(ValueError):
    """The clone cannot be done as asked, in words for the operator."""


def read_settings(shop_id: int) -> ShopSettings:
    settings = ShopSettings()
    for row in db.session.execute(select(MappingValue).where(MappingValue.shop_id == shop_id)).scalars():
        settings.mappings.setdefault(row.kind, {})[row.shopify_value] = (row.oms_value, row.oms_carrier)
    states = {s.flow: s for s in db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id)).scalars()}
    for name in FLOWS:
        state = states.get(name)
        settings.flows[name] = (state.enabled, state.interval_minutes) if state is not None else (True, None)
    return settings


def preview(source: Shop, target: Shop, parts: list[str]) -> list[Change]:
    if source.id == target.id:
        raise CloneError("pick another shop to clone from: a shop cannot clone itself")
    return plan_clone(read_settings(source.id), read_settings(target.id), parts)


def own_values(shop_id: int, catalogue_kind: str, wanted: set[str]) -> list[tuple[str, str | None]]:
    """The source's own OMS values (beyond the defaults) the copied mappings point to: (value, label)."""
    if not wanted:
        return []
    rows = db.session.execute(select(OmsValue).where(
        OmsValue.shop_id == shop_id, OmsValue.kind == catalogue_kind, OmsValue.value.in_(sorted(wanted)))).scalars()
    return [(r.value, r.label) for r in rows]


def apply_clone(source: Shop, target: Shop, parts: list[str]) -> list[Change]:
    """Apply what `preview` shows (read again now); returns the changes applied. Each
    mapping kind is saved as one merchant save would be; the flow settings last."""
    changes = preview(source, target, parts)
    src = read_settings(source.id)
    for kind in MAPPING_PARTS:
        keys = [c.key for c in changes if c.part == kind]
        if not keys:
            continue
        pairs = {k: src.mappings[kind][k] for k in keys}
        shipping = kind == "shipping_method"
        proposal = Proposal(
            [ProposedRow(i, k, v, c if shipping else None) for i, (k, (v, c)) in enumerate(pairs.items())],
            own_values(source.id, CATALOGUE_KIND[kind], {v for v, _ in pairs.values()}),
            own_values(source.id, "carrier", {c for _, c in pairs.values() if c}) if shipping else [])
        apply_changes(target.id, kind, proposal)  # commits; raises MappingError
    if any(c.part == FLOWS_PART for c in changes):
        for name, (enabled, interval) in src.flows.items():
            state = flow_state(target.id, name)
            state.enabled, state.interval_minutes = enabled, interval
        db.session.commit()
    return changes
