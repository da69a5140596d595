"""Cloning one shop's settings onto another: what would change, decided without I/O.

A shop's settings here are plain data (`ShopSettings`): per mapping kind, the Shopify
value -> (OMS value, carrier) it maps; per flow, (enabled, interval_minutes). The plan
lists every value the clone overwrites, before -> after. Only what the source has
mapped is copied: a value the source never mapped keeps the target's mapping (the
source knows nothing of it)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from ..models.mappings import MAPPING_KINDS

MAPPING_PARTS = MAPPING_KINDS  # a part per kind the merchant maps
FLOWS_PART = "flows"
PARTS = (*MAPPING_PARTS, FLOWS_PART)
PART_LABELS = {
    "sales_channel": "Sales channel mappings",
    "product_type": "Product type mappings",
    "payment_method": "Payment method mappings",
    "shipping_method": "Shipping method mappings",
    FLOWS_PART: "Flow switches and intervals",
}


@dataclass
class ShopSettings:
    mappings: dict[str, dict[str, tuple[str | None, str | None]]] = field(default_factory=dict)
    flows: dict[str, tuple[bool, int | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    part: str
    key: str  # the Shopify value, or the flow and its setting ("orders: interval")
    before: object
    after: object


def parse_parts(values) -> list[str]:
    """The parts asked for, in PARTS order; raises ValueError for an unknown one or none."""
    wanted = {str(v) for v in values}
    unknown = sorted(wanted - set(PARTS))
    if unknown:
        raise ValueError(f"unknown part(s): {', '.join(unknown)}")
    if not wanted:
        raise ValueError("choose at least one part to clone")
    return [p for p in PARTS if p in wanted]


def plan_clone(source: ShopSettings, target: ShopSettings, parts: list[str]) -> list[Change]:
    changes: list[Change] = []
    for part in parts:
        if part == FLOWS_PART:
            for flow in sorted(source.flows):
                src_enabled, src_interval = source.flows[flow]
                tgt_enabled, tgt_interval = target.flows.get(flow, (True, None))
                if src_enabled != tgt_enabled:
                    changes.append(Change(part, f"{flow}: switched on", tgt_enabled, src_enabled))
                if src_interval != tgt_interval:
                    changes.append(Change(part, f"{flow}: interval (minutes)", tgt_interval, src_interval))
            continue
        mine = target.mappings.get(part, {})
        for value, (oms_value, carrier) in sorted(source.mappings.get(part, {}).items()):
            if oms_value is None:
                continue
            before = mine.get(value, (None, None))
            if before != (oms_value, carrier):
                changes.append(Change(part, value, mapped_label(before), mapped_label((oms_value, carrier))))
    return changes


def mapped_label(pair: tuple[str | None, str | None]) -> str | None:
    oms_value, carrier = pair
    if oms_value is None:
        return None
    return f"{oms_value} (carrier {carrier})" if carrier else oms_value


def fingerprint(changes: list[Change]) -> str:
    """Names a plan: the confirmation applies only the plan the operator saw."""
    data = json.dumps([[c.part, c.key, c.before, c.after] for c in changes], sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()[:32]
