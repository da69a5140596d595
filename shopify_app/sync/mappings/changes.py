"""A `PUT /api/mappings/<kind>` body, checked against the OMS catalogue: pure, no I/O.

Body: {"mappings": [{"shopify_value": str, "oms_value": str|null, "carrier": str|null}],
       "create_oms_values": [{"value", "label"}], "create_carriers": [...]}.
`mappings` may also be an object {shopify_value: oms_value|null}.
"""
from __future__ import annotations

from dataclasses import dataclass

from .catalogue import CATALOGUE_KIND, KINDS, MAX_SHOPIFY_VALUE, OMS_VALUE_RE


class MappingError(ValueError):
    """A mapping request that cannot be applied; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def text_field(item: dict, key: str, where: str, *, required: bool = False, max_len: int = 255) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise MappingError(400, f"{where}: {key} is required")
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_len:
        raise MappingError(400, f"{where}: {key} must be a non-empty string of at most {max_len} characters, or null")
    return value.strip()


def new_oms_values(body: dict, field: str, where: str) -> list[tuple[str, str | None]]:
    raw = body.get(field, [])
    if not isinstance(raw, list):
        raise MappingError(400, f"{field} must be a list of {{\"value\", \"label\"}}")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict) or set(item) - {"value", "label"}:
            raise MappingError(400, f"{field}[{i}] must be {{\"value\", \"label\"}}")
        value = text_field(item, "value", f"{field}[{i}]", required=True, max_len=64)
        if not OMS_VALUE_RE.match(value):
            raise MappingError(400, f"{field}[{i}]: value must be letters, digits, _ . - (at most 64)")
        out.append((value, text_field(item, "label", f"{field}[{i}]")))
    return out


@dataclass(frozen=True)
class ChangeRequest:
    new_values: list[tuple[str, str | None]]  # (value, label) to add to the kind's catalogue
    new_carriers: list[tuple[str, str | None]]
    changes: dict[str, tuple[str | None, str | None]]  # shopify value -> (oms value, carrier)


def parse_changes(kind: str, body, oms_catalogue: set[str], carrier_catalogue: set[str]) -> ChangeRequest:
    """Check a body against the OMS values a shop has (`oms_catalogue` for the kind's
    catalogue, `carrier_catalogue` for shipping methods). Raises MappingError."""
    if kind not in KINDS:
        raise MappingError(404, f"unknown mapping kind {kind!r}; one of {', '.join(KINDS)}")
    if not isinstance(body, dict):
        raise MappingError(400, "send a JSON object with \"mappings\"")
    allowed = {"mappings", "create_oms_values"} | ({"create_carriers"} if kind == "shipping_method" else set())
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise MappingError(400, f"unknown field(s): {', '.join(unknown)}")
    mappings = body.get("mappings", [])
    if isinstance(mappings, dict):
        mappings = [{"shopify_value": k, "oms_value": v} for k, v in mappings.items()]
    if not isinstance(mappings, list):
        raise MappingError(400, "mappings must be a list of {\"shopify_value\", \"oms_value\"}")

    catalogue_kind = CATALOGUE_KIND[kind]
    new_values = new_oms_values(body, "create_oms_values", "create_oms_values")
    new_carriers = new_oms_values(body, "create_carriers", "create_carriers") if kind == "shipping_method" else []
    available = set(oms_catalogue) | {v for v, _ in new_values}
    carriers = set(carrier_catalogue) | {v for v, _ in new_carriers} if kind == "shipping_method" else set()

    changes: dict[str, tuple[str | None, str | None]] = {}
    for i, item in enumerate(mappings):
        where = f"mappings[{i}]"
        if not isinstance(item, dict):
            raise MappingError(400, f"{where} must be an object")
        extra = set(item) - {"shopify_value", "oms_value", "carrier"}
        if extra or ("carrier" in item and kind != "shipping_method"):
            raise MappingError(400, f"{where}: unknown field(s) {', '.join(sorted(extra or {'carrier'}))}")
        if "oms_value" not in item:
            raise MappingError(400, f"{where}: oms_value is required (null to unmap)")
        shopify_value = text_field(item, "shopify_value", where, required=True, max_len=MAX_SHOPIFY_VALUE)
        oms_value = text_field(item, "oms_value", where, max_len=64)
        carrier = text_field(item, "carrier", where, max_len=64)
        if oms_value is not None and oms_value not in available:
            raise MappingError(
                422, f"{where}: {oms_value!r} is not an OMS {catalogue_kind.replace('_', ' ')}; "
                     "add it with create_oms_values"
            )
        if carrier is not None:
            if oms_value is None:
                raise MappingError(400, f"{where}: a carrier needs an oms_value")
            if carrier not in carriers:
                raise MappingError(422, f"{where}: {carrier!r} is not an OMS carrier; add it with create_carriers")
        if shopify_value in changes:
            raise MappingError(400, f"{where}: {shopify_value!r} appears twice")
        changes[shopify_value] = (oms_value, carrier)
    return ChangeRequest(new_values, new_carriers, changes)
