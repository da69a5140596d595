"""A save of mappings decided against the OMS catalogue: pure, no I/O, nothing of HTTP.

The rows arrive read already (web/mapping_bodies.py reads a `PUT /api/mappings/<kind>`
body; settings_clone.py reads the source shop's rows). Each row is saved or refused on
its own (`errors`), each refusal naming its `reason`; a carrier of "_NA_" is no carrier
(None). The caller says a refusal in its own terms (the API: a status).
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from .catalogue import CATALOGUE_KIND, KINDS, NO_CARRIER

# Why a row is refused.
INVALID = "invalid"  # it cannot be saved as sent: unreadable, contradictory, or twice in one save
NOT_IN_CATALOGUE = "not_in_catalogue"  # an OMS value or carrier the shop does not have
# Why a whole save is refused.
UNKNOWN_KIND = "unknown_kind"


class MappingError(ValueError):
    """A save that cannot be applied at all, in words; `reason` says why (UNKNOWN_KIND)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ProposedRow:
    """A row to save: its index in the save (to name it in `errors`), the Shopify value
    and what it maps to (the OMS value, None to unmap; the carrier, for shipping methods)."""
    index: int
    shopify_value: str
    oms_value: str | None
    carrier: str | None = None


@dataclass(frozen=True)
class Proposal:
    rows: list[ProposedRow]
    new_values: list[tuple[str, str | None]] = dataclass_field(default_factory=list)  # (value, label) to add
    new_carriers: list[tuple[str, str | None]] = dataclass_field(default_factory=list)


@dataclass(frozen=True)
class RowError:
    """A row that was not saved: its index in the save, its Shopify value (as sent, when
    it was a string), what is wrong in words, and why (INVALID, NOT_IN_CATALOGUE)."""
    index: int
    shopify_value: str | None
    error: str
    reason: str

    def as_dict(self) -> dict:
        return {"index": self.index, "shopify_value": self.shopify_value, "error": self.error}


@dataclass(frozen=True)
class ChangeRequest:
    new_values: list[tuple[str, str | None]]  # (value, label) to add to the kind's catalogue
    new_carriers: list[tuple[str, str | None]]
    changes: dict[str, tuple[str | None, str | None]]  # shopify value -> (oms value, carrier)
    errors: list[RowError] = dataclass_field(default_factory=list)  # rows not saved; the others are


def decide_changes(kind: str, proposal: Proposal, oms_catalogue: set[str],
                   carrier_catalogue: set[str]) -> ChangeRequest:
    """Check the proposed rows against the OMS values a shop has (`oms_catalogue` for the
    kind's catalogue, `carrier_catalogue` for shipping methods) and those the save adds.
    An unknown kind raises MappingError; a wrong row is listed in `errors` and the other
    rows go on."""
    if kind not in KINDS:
        raise MappingError(UNKNOWN_KIND, f"unknown mapping kind {kind!r}; one of {', '.join(KINDS)}")
    shipping = kind == "shipping_method"
    new_carriers = proposal.new_carriers if shipping else []
    available = set(oms_catalogue) | {v for v, _ in proposal.new_values}
    carriers = set(carrier_catalogue) | {v for v, _ in new_carriers} if shipping else set()

    parsed: dict[str, list[tuple[int, tuple[str | None, str | None]]]] = {}
    errors: list[RowError] = []
    for row in proposal.rows:
        target = (row.oms_value, None if row.carrier == NO_CARRIER else row.carrier)  # "no carrier" is one choice
        refused = refusal(kind, target, available, carriers)
        if refused is not None:
            errors.append(RowError(row.index, row.shopify_value, refused[1], refused[0]))
            continue
        parsed.setdefault(row.shopify_value, []).append((row.index, target))
    changes: dict[str, tuple[str | None, str | None]] = {}
    for shopify_value, rows in parsed.items():
        if len(rows) == 1:
            changes[shopify_value] = rows[0][1]
            continue
        # Twice in one save: which one the merchant meant is unknown, so neither is saved.
        errors.extend(RowError(i, shopify_value, f"{shopify_value!r} appears {len(rows)} times in this save", INVALID)
                      for i, _ in rows)
    errors.sort(key=lambda e: e.index)
    return ChangeRequest(list(proposal.new_values), list(new_carriers), changes, errors)


def refusal(kind: str, target: tuple[str | None, str | None], available: set[str],
            carriers: set[str]) -> tuple[str, str] | None:
    """(reason, words) when a row mapping to `target` (OMS value, carrier) cannot be saved."""
    oms_value, carrier = target
    if oms_value is not None and oms_value not in available:
        return NOT_IN_CATALOGUE, (f"{oms_value!r} is not an OMS {CATALOGUE_KIND[kind].replace('_', ' ')}; "
                                  "add it with create_oms_values")
    if carrier is not None:
        if oms_value is None:
            return INVALID, "choose a shipment method before a carrier"
        if carrier not in carriers:
            return NOT_IN_CATALOGUE, f"{carrier!r} is not an OMS carrier; add it with create_carriers"
    return None
