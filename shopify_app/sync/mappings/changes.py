"""A `PUT /api/mappings/<kind>` body, checked against the OMS catalogue: pure, no I/O.

Body: {"mappings": [{"shopify_value": str, "oms_value": str|null, "carrier": str|null}],
       "create_oms_values": [{"value", "label"}], "create_carriers": [...]}.
`mappings` may also be an object {shopify_value: oms_value|null}.
Each row is saved or refused on its own (`errors`); a carrier of "_NA_" is no carrier (None).
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from .catalogue import CATALOGUE_KIND, KINDS, MAX_SHOPIFY_VALUE, NO_CARRIER, OMS_VALUE_RE


class MappingError(ValueError):
    """A mapping request that cannot be applied; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def text_field(item: dict, key: str, where: str, *, required: bool = False, max_len: int = 255) -> str | None:
    value = item.get(key)
    prefix = f"{where}: " if where else ""
    if value is None:
        if required:
            raise MappingError(400, f"{prefix}{key} is required")
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_len:
        raise MappingError(400, f"{prefix}{key} must be a non-empty string of at most {max_len} characters, or null")
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
class RowError:
    """A row of `mappings` that was not saved: its index in the body, its Shopify value
    (as sent, when it was a string), what is wrong in words, and the status it alone
    would have had (400 malformed, 422 not in the OMS catalogue)."""
    index: int
    shopify_value: str | None
    error: str
    status: int

    def as_dict(self) -> dict:
        return {"index": self.index, "shopify_value": self.shopify_value, "error": self.error}


@dataclass(frozen=True)
class ChangeRequest:
    new_values: list[tuple[str, str | None]]  # (value, label) to add to the kind's catalogue
    new_carriers: list[tuple[str, str | None]]
    changes: dict[str, tuple[str | None, str | None]]  # shopify value -> (oms value, carrier)
    errors: list[RowError] = dataclass_field(default_factory=list)  # rows not saved; the others are


def parse_changes(kind: str, body, oms_catalogue: set[str], carrier_catalogue: set[str]) -> ChangeRequest:
    """Check a body against the OMS values a shop has (`oms_catalogue` for the kind's
    catalogue, `carrier_catalogue` for shipping methods). A body wrong as a whole raises
    MappingError; a wrong row is listed in `errors` and the other rows go on."""
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

    new_values = new_oms_values(body, "create_oms_values", "create_oms_values")
    new_carriers = new_oms_values(body, "create_carriers", "create_carriers") if kind == "shipping_method" else []
    available = set(oms_catalogue) | {v for v, _ in new_values}
    carriers = set(carrier_catalogue) | {v for v, _ in new_carriers} if kind == "shipping_method" else set()

    parsed: dict[str, list[tuple[int, tuple[str | None, str | None]]]] = {}
    errors: list[RowError] = []
    for i, item in enumerate(mappings):
        try:
            shopify_value, target = parse_row(kind, item, available, carriers)
        except MappingError as exc:
            sent = item.get("shopify_value") if isinstance(item, dict) else None
            errors.append(RowError(i, sent if isinstance(sent, str) else None, str(exc), exc.status))
            continue
        parsed.setdefault(shopify_value, []).append((i, target))
    changes: dict[str, tuple[str | None, str | None]] = {}
    for shopify_value, rows in parsed.items():
        if len(rows) == 1:
            changes[shopify_value] = rows[0][1]
            continue
        # Twice in one save: which one the merchant meant is unknown, so neither is saved.
        errors.extend(RowError(i, shopify_value, f"{shopify_value!r} appears {len(rows)} times in this save", 400)
                      for i, _ in rows)
    errors.sort(key=lambda e: e.index)
    return ChangeRequest(new_values, new_carriers, changes, errors)


def parse_row(kind: str, item, available: set[str], carriers: set[str]) -> tuple[str, tuple[str | None, str | None]]:
    """One row of `mappings`: (Shopify value, (OMS value, carrier)). Raises MappingError."""
    catalogue_kind = CATALOGUE_KIND[kind]
    where = ""  # the row is named by its index beside the message
    if not isinstance(item, dict):
        raise MappingError(400, "each mapping must be an object with shopify_value and oms_value")
    extra = set(item) - {"shopify_value", "oms_value", "carrier"}
    if extra or ("carrier" in item and kind != "shipping_method"):
        raise MappingError(400, f"unknown field(s) {', '.join(sorted(extra or {'carrier'}))}")
    if "oms_value" not in item:
        raise MappingError(400, "oms_value is required (null to unmap)")
    shopify_value = text_field(item, "shopify_value", where, required=True, max_len=MAX_SHOPIFY_VALUE)
    oms_value = text_field(item, "oms_value", where, max_len=64)
    carrier = text_field(item, "carrier", where, max_len=64)
    if carrier == NO_CARRIER:
        carrier = None  # "no carrier" is one choice: none
    if oms_value is not None and oms_value not in available:
        raise MappingError(
            422, f"{oms_value!r} is not an OMS {catalogue_kind.replace('_', ' ')}; "
                 "add it with create_oms_values"
        )
    if carrier is not None:
        if oms_value is None:
            raise MappingError(400, "choose a shipment method before a carrier")
        if carrier not in carriers:
            raise MappingError(422, f"{carrier!r} is not an OMS carrier; add it with create_carriers")
    return shopify_value, (oms_value, carrier)
