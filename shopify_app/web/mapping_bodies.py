"""A `PUT /api/mappings/<kind>` body read into the rows to save, saved, and answered.

Body: {"mappings": [{"shopify_value": str, "oms_value": str|null, "carrier": str|null}],
       "create_oms_values": [{"value", "label"}], "create_carriers": [...]}.
`mappings` may also be an object {shopify_value: oms_value|null}.
A body wrong as a whole is a BodyError (400, or 404 for an unknown kind); a row that
cannot be read is refused on its own (400) and the others go on to be decided against
the OMS catalogue (sync/mappings/changes.py), whose refusals answer 400 or 422. The
operator console's mapping form is read and saved the same way (`save_body`).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..sync.mappings.apply import apply_changes
from ..sync.mappings.catalogue import KINDS, MAX_SHOPIFY_VALUE, OMS_VALUE_RE
from ..sync.mappings.changes import INVALID, NOT_IN_CATALOGUE, UNKNOWN_KIND, ChangeRequest, Proposal, ProposedRow

# The status each refusal of sync/ answers.
ROW_STATUS = {INVALID: 400, NOT_IN_CATALOGUE: 422}
SAVE_STATUS = {UNKNOWN_KIND: 404}


class BodyError(ValueError):
    """A body (or a row of it) that cannot be read; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RowRefusal:
    """A row of `mappings` that was not saved, as the answer lists it: its index in the
    body, its Shopify value (as sent, when it was a string), what is wrong in words, and
    the status it alone would have had (400 malformed, 422 not in the OMS catalogue)."""
    index: int
    shopify_value: str | None
    error: str
    status: int

    def as_dict(self) -> dict:
        return {"index": self.index, "shopify_value": self.shopify_value, "error": self.error}


@dataclass(frozen=True)
class ReadBody:
    proposal: Proposal  # the rows that could be read, for sync/ to decide
    unreadable: list[RowRefusal]


@dataclass(frozen=True)
class SaveAnswer:
    """A save as the PUT answers it: what was saved, and every refused row with its status."""
    new_values: list[tuple[str, str | None]]
    new_carriers: list[tuple[str, str | None]]
    changes: dict[str, tuple[str | None, str | None]]
    errors: list[RowRefusal]


def text_field(item: dict, key: str, where: str, *, required: bool = False, max_len: int = 255) -> str | None:
    value = item.get(key)
    prefix = f"{where}: " if where else ""
    if value is None:
        if required:
            raise BodyError(400, f"{prefix}{key} is required")
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_len:
        raise BodyError(400, f"{prefix}{key} must be a non-empty string of at most {max_len} characters, or null")
    return value.strip()


def new_oms_values(body: dict, field: str, where: str) -> list[tuple[str, str | None]]:
    raw = body.get(field, [])
    if not isinstance(raw, list):
        raise BodyError(400, f"{field} must be a list of {{\"value\", \"label\"}}")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict) or set(item) - {"value", "label"}:
            raise BodyError(400, f"{field}[{i}] must be {{\"value\", \"label\"}}")
        value = text_field(item, "value", f"{field}[{i}]", required=True, max_len=64)
        if not OMS_VALUE_RE.match(value):
            raise BodyError(400, f"{field}[{i}]: value must be letters, digits, _ . - (at most 64)")
        out.append((value, text_field(item, "label", f"{field}[{i}]")))
    return out


def read_body(kind: str, body) -> ReadBody:
    """The rows of a body and the OMS values it creates. Raises BodyError for a body
    wrong as a whole; a row that cannot be read is listed in `unreadable`."""
    if kind not in KINDS:
        raise BodyError(404, f"unknown mapping kind {kind!r}; one of {', '.join(KINDS)}")
    if not isinstance(body, dict):
        raise BodyError(400, "send a JSON object with \"mappings\"")
    allowed = {"mappings", "create_oms_values"} | ({"create_carriers"} if kind == "shipping_method" else set())
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BodyError(400, f"unknown field(s): {', '.join(unknown)}")
    mappings = body.get("mappings", [])
    if isinstance(mappings, dict):
        mappings = [{"shopify_value": k, "oms_value": v} for k, v in mappings.items()]
    if not isinstance(mappings, list):
        raise BodyError(400, "mappings must be a list of {\"shopify_value\", \"oms_value\"}")

    new_values = new_oms_values(body, "create_oms_values", "create_oms_values")
    new_carriers = new_oms_values(body, "create_carriers", "create_carriers") if kind == "shipping_method" else []
    rows: list[ProposedRow] = []
    unreadable: list[RowRefusal] = []
    for i, item in enumerate(mappings):
        try:
            rows.append(read_row(kind, i, item))
        except BodyError as exc:
            sent = item.get("shopify_value") if isinstance(item, dict) else None
            unreadable.append(RowRefusal(i, sent if isinstance(sent, str) else None, str(exc), exc.status))
    return ReadBody(Proposal(rows, new_values, new_carriers), unreadable)


def read_row(kind: str, index: int, item) -> ProposedRow:
    """One row of `mappings`. Raises BodyError."""
    where = ""  # the row is named by its index beside the message
    if not isinstance(item, dict):
        raise BodyError(400, "each mapping must be an object with shopify_value and oms_value")
    extra = set(item) - {"shopify_value", "oms_value", "carrier"}
    if extra or ("carrier" in item and kind != "shipping_method"):
        raise BodyError(400, f"unknown field(s) {', '.join(sorted(extra or {'carrier'}))}")
    if "oms_value" not in item:
        raise BodyError(400, "oms_value is required (null to unmap)")
    return ProposedRow(index, text_field(item, "shopify_value", where, required=True, max_len=MAX_SHOPIFY_VALUE),
                       text_field(item, "oms_value", where, max_len=64),
                       text_field(item, "carrier", where, max_len=64))


def answer_of(read: ReadBody, saved: ChangeRequest) -> SaveAnswer:
    """The save's answer: sync/'s refusals with their statuses beside the unreadable rows, by index."""
    refused = read.unreadable + [RowRefusal(e.index, e.shopify_value, e.error, ROW_STATUS[e.reason])
                                 for e in saved.errors]
    return SaveAnswer(saved.new_values, saved.new_carriers, saved.changes, sorted(refused, key=lambda e: e.index))


def save_body(shop_id: int, kind: str, body) -> SaveAnswer:
    """Read a body and save its rows (committed, see sync/mappings/apply.py). Raises
    BodyError for a body wrong as a whole, MappingError (sync/'s) for a save refused."""
    read = read_body(kind, body)
    return answer_of(read, apply_changes(shop_id, kind, read.proposal))
