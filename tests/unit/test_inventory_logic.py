"""The inventory decisions, as pure functions: no database, no HTTP."""
from datetime import datetime, timedelta, timezone

import pytest

from shopify_app.sync.inventory.atp_rows import validate_atp_rows
from shopify_app.sync.inventory.level_updates import classify_level_webhook
from shopify_app.sync.inventory.plan import (
    BATCH_SIZE,
    Change,
    FacilityInfo,
    LocationInfo,
    changed_levels,
    desired_levels,
    error_index,
    mutation_variables,
    plan_targets,
    rebase,
    stale_indexes,
)
from shopify_app.sync.upsert import batched

DEFAULT = "gid://shopify/Location/1"
WAREHOUSE = "gid://shopify/Location/2"
STORE = "gid://shopify/Location/3"
UNMAPPED_STORE = "gid://shopify/Location/4"
ITEM_A = "gid://shopify/InventoryItem/10"
ITEM_B = "gid://shopify/InventoryItem/11"


def locations():
    return [
        LocationInfo(DEFAULT, True, False, False, True, 100),
        LocationInfo(WAREHOUSE, True, False, False, False, 101),
        LocationInfo(STORE, True, False, True, False, 102),
        LocationInfo(UNMAPPED_STORE, True, False, True, False, None),
    ]


def facilities():
    return [FacilityInfo(100, True), FacilityInfo(101, True), FacilityInfo(102, False)]


def test_targets_default_gets_online_facilities_and_pos_gets_its_own():
    targets = {t.location_id: t for t in plan_targets(locations(), facilities())}
    assert set(targets) == {DEFAULT, STORE}
    assert targets[DEFAULT].kind == "default" and targets[DEFAULT].facility_ids == (100, 101)
    assert targets[STORE].kind == "pos" and targets[STORE].facility_ids == (102,)


def test_inactive_or_deleted_locations_get_nothing():
    locs = [LocationInfo(DEFAULT, False, False, False, True, 100), LocationInfo(STORE, True, True, True, False, 102)]
    assert plan_targets(locs, facilities()) == []


def test_desired_levels_sum_at_default_and_own_atp_at_pos():
    targets = plan_targets(locations(), facilities())
    atp = {(100, "A"): 5, (101, "A"): 7, (102, "A"): 3, (102, "B"): 4}
    desired = desired_levels(targets, atp, {"A": ITEM_A, "B": ITEM_B})
    assert desired == {
        (ITEM_A, DEFAULT): 12,
        (ITEM_B, DEFAULT): 0,  # known to the OMS, but no online facility has it
        (ITEM_A, STORE): 3,
        (ITEM_B, STORE): 4,
    }
    assert all(loc not in (WAREHOUSE, UNMAPPED_STORE) for _i, loc in desired)


def test_negative_atp_counts_as_zero():
    targets = plan_targets(locations(), facilities())
    atp = {(100, "A"): -5, (101, "A"): 7, (102, "A"): -2}
    desired = desired_levels(targets, atp, {"A": ITEM_A})
    assert desired[(ITEM_A, DEFAULT)] == 7
    assert desired[(ITEM_A, STORE)] == 0


def test_unknown_skus_are_left_out():
    targets = plan_targets(locations(), facilities())
    assert desired_levels(targets, {(100, "GHOST"): 3}, {}) == {}


def test_changed_levels_only_the_differences():
    desired = {(ITEM_A, DEFAULT): 12, (ITEM_B, DEFAULT): 0, (ITEM_A, STORE): 3}
    ledger = {(ITEM_A, DEFAULT): 12, (ITEM_B, DEFAULT): 2}
    changes = changed_levels(desired, ledger)
    assert changes == [Change(ITEM_A, STORE, 3, None), Change(ITEM_B, DEFAULT, 0, 2)]
    assert changed_levels(desired, {**ledger, (ITEM_B, DEFAULT): 0, (ITEM_A, STORE): 3}) == []


def test_mutation_variables_carry_change_from_and_key():
    variables = mutation_variables([Change(ITEM_A, DEFAULT, -3, 5), Change(ITEM_B, DEFAULT, 4, None)], "k-1", "gid://x/y/1")
    assert variables["idempotencyKey"] == "k-1"
    inp = variables["input"]
    assert inp["name"] == "available" and inp["reason"] == "correction"
    assert inp["quantities"][0] == {"inventoryItemId": ITEM_A, "locationId": DEFAULT, "quantity": 0, "changeFromQuantity": 5}
    # changeFromQuantity is always present, null when unknown
    assert "changeFromQuantity" in inp["quantities"][1] and inp["quantities"][1]["changeFromQuantity"] is None


def test_batches_of_at_most_250():
    changes = [Change(f"gid://shopify/InventoryItem/{i}", DEFAULT, 1, 0) for i in range(601)]
    sizes = [len(b) for b in batched(changes, BATCH_SIZE)]
    assert sizes == [250, 250, 101]
    with pytest.raises(ValueError):
        mutation_variables(changes[:BATCH_SIZE + 1], "k", "r")


def test_user_errors_split_into_stale_rejected_and_general():
    errors = [
        {"code": "CHANGE_FROM_QUANTITY_STALE", "field": ["input", "quantities", "2", "changeFromQuantity"], "message": "stale"},
        {"code": "INVALID_INVENTORY_ITEM", "field": ["input", "quantities", "5", "inventoryItemId"], "message": "nope"},
        {"code": "INVALID_REASON", "field": ["input", "reason"], "message": "bad"},
    ]
    stale, rejected, general = stale_indexes(errors)
    assert stale == {2} and set(rejected) == {5} and general == [errors[2]]
    assert error_index({"field": ["input", "quantities", "7"]}) == 7


def test_webhook_echo_of_our_push_is_recognised():
    pushed_at = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    later = (pushed_at + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    earlier = (pushed_at - timedelta(minutes=5)).isoformat()
    assert classify_level_webhook({"available": 12, "updated_at": later}, 12, 12, pushed_at) == "echo"
    assert classify_level_webhook({"available": 11, "updated_at": later}, 12, 12, pushed_at) == "drift"
    assert classify_level_webhook({"available": 9, "updated_at": earlier}, 12, 12, pushed_at) == "old"
    assert classify_level_webhook({"available": 9, "updated_at": later}, None, None, None) == "unmanaged"
    # a level we only observed (never pushed): the same value again is nothing new
    assert classify_level_webhook({"available": 4, "updated_at": later}, 4, None, None) == "echo"


def test_validate_atp_rows():
    rows, errors = validate_atp_rows([
        {"facility_id": "F1", "sku": "A", "atp": 3},
        {"facility_id": "F1", "sku": "B", "atp": -2},
        {"facility_id": "F1", "sku": "A", "atp": 3},  # an identical repeat is fine
    ])
    assert errors == [] and rows == [("F1", "A", 3), ("F1", "B", -2)]
    _rows, errors = validate_atp_rows([
        {"facility_id": "F1", "sku": "A", "atp": 3},
        {"facility_id": "", "sku": "A", "atp": 3},
        {"facility_id": "F1", "sku": "C", "atp": "3"},
        {"facility_id": "F1", "sku": "D", "atp": True},
        {"facility_id": "F1", "sku": "E", "atp": 1.5},
        "nope",
        {"facility_id": "F1", "sku": "A", "atp": 4},
    ])
    assert [e["index"] for e in errors] == [1, 2, 3, 4, 5, 6]
    assert validate_atp_rows({"facility_id": "F1"})[1][0]["index"] is None


def test_rebase_tells_what_landed_from_what_to_send_again_against_shopify():
    landed = Change("I1", "L1", 5, 2)
    moved = Change("I2", "L1", 7, 3)       # Shopify holds 4 now: sent again from 4
    negative = Change("I3", "L1", -2, 1)   # sent as 0: Shopify showing 0 means it landed
    unread = Change("I4", "L1", 1, 0)
    there, again = rebase([landed, moved, negative, unread], {("I1", "L1"): 5, ("I2", "L1"): 4, ("I3", "L1"): 0})
    assert there == [landed, negative]
    assert again == [Change("I2", "L1", 7, 4), unread]
