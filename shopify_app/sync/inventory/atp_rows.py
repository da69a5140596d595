"""The rows of `PUT /oms/v1/inventory`, checked: pure, no I/O.

A row is {facility_id, sku, atp}; a facility and SKU given twice must agree. Errors
name the caller's row indexes, so that the OMS can fix exactly those.
"""
from __future__ import annotations

MAX_ATP = 1_000_000_000
MAX_ROWS_PER_CALL = 100_000


def validate_atp_rows(body) -> tuple[list[tuple[str, str, int]], list[dict]]:
    """Check the shape of `PUT /oms/v1/inventory`. Returns (rows, errors); errors name row indexes."""
    if not isinstance(body, list):
        return [], [{"index": None, "error": "the body must be a JSON array of {facility_id, sku, atp}"}]
    if len(body) > MAX_ROWS_PER_CALL:
        return [], [{"index": None, "error": f"at most {MAX_ROWS_PER_CALL} rows a call, got {len(body)}"}]
    rows: list[tuple[str, str, int]] = []
    errors: list[dict] = []
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    for i, row in enumerate(body):
        if not isinstance(row, dict):
            errors.append({"index": i, "error": "must be an object {facility_id, sku, atp}"})
            continue
        problems = []
        facility = row.get("facility_id")
        sku = row.get("sku")
        atp = row.get("atp")
        if not isinstance(facility, str) or not facility.strip() or len(facility) > 64:
            problems.append("facility_id must be a non-empty string of at most 64 characters")
        if not isinstance(sku, str) or not sku.strip() or len(sku) > 255:
            problems.append("sku must be a non-empty string of at most 255 characters")
        if isinstance(atp, bool) or not isinstance(atp, (int, float)) or (isinstance(atp, float) and not atp.is_integer()):
            problems.append("atp must be a whole number")
        elif abs(atp) > MAX_ATP:
            problems.append(f"atp must be between -{MAX_ATP} and {MAX_ATP}")
        if problems:
            errors.append({"index": i, "error": "; ".join(problems)})
            continue
        key = (facility.strip(), sku.strip())
        value = int(atp)
        if key in seen:
            first_index, first_value = seen[key]
            if first_value != value:
                # Well-formed, but contradicting an earlier row: `repeats` tells it apart.
                errors.append({"index": i, "error": f"repeats facility {key[0]!r} and sku {key[1]!r} of row "
                                                    f"{first_index} with a different atp", "repeats": first_index})
            continue
        seen[key] = (i, value)
        rows.append((key[0], key[1], value))
    return rows, errors


def row_indexes(body: list) -> list[int]:
    """Index in the caller's body of each validated (deduplicated) row."""
    out, seen = [], set()
    for i, row in enumerate(body):
        key = (row["facility_id"].strip(), row["sku"].strip())
        if key in seen:
            continue
        seen.add(key)
        out.append(i)
    return out
