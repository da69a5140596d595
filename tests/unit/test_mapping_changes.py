"""A PUT /api/mappings body read (web/) and checked against the OMS catalogue (sync/):
pure, no database, no HTTP."""
import pytest

from shopify_app.sync.mappings.changes import (INVALID, NOT_IN_CATALOGUE, UNKNOWN_KIND, MappingError, Proposal,
                                               ProposedRow, decide_changes)
from shopify_app.web.mapping_bodies import BodyError, answer_of, read_body

CATALOGUE = {"FINISHED_GOOD", "SERVICE"}
CARRIERS = {"UPS"}


def parse_changes(kind, body, oms, carriers):
    """What PUT /api/mappings does with a body, without the database: read (web/),
    decided against the catalogue (sync/), each refused row with its status."""
    read = read_body(kind, body)
    return answer_of(read, decide_changes(kind, read.proposal, oms, carriers))


def refused(kind, body, oms=CATALOGUE, carriers=CARRIERS) -> tuple[int, str]:
    """The status and message of a body refused as a whole, or of its one refused row
    (then nothing of it is saved either)."""
    try:
        request = parse_changes(kind, body, oms, carriers)
    except BodyError as exc:
        return exc.status, str(exc)
    assert request.errors and not request.changes, request
    return request.errors[0].status, request.errors[0].error


def test_mappings_may_be_a_list_or_an_object_and_values_are_stripped():
    as_list = parse_changes("product_type", {"mappings": [{"shopify_value": " Shirts ", "oms_value": "SERVICE"}]},
                            CATALOGUE, set())
    as_object = parse_changes("product_type", {"mappings": {"Shirts": "SERVICE", "Mugs": None}}, CATALOGUE, set())
    assert as_list.changes == {"Shirts": ("SERVICE", None)}
    assert as_object.changes == {"Shirts": ("SERVICE", None), "Mugs": (None, None)}


def test_an_oms_value_outside_the_catalogue_is_422_unless_the_body_creates_it():
    status, message = refused("product_type", {"mappings": {"Shirts": "KIT"}})
    assert status == 422 and "create_oms_values" in message
    request = parse_changes("product_type", {"create_oms_values": [{"value": "KIT", "label": "Kit"}],
                                             "mappings": {"Shirts": "KIT"}}, CATALOGUE, set())
    assert request.new_values == [("KIT", "Kit")] and request.changes == {"Shirts": ("KIT", None)}


def test_a_carrier_is_for_shipping_methods_only_and_must_be_known():
    assert refused("product_type", {"mappings": [{"shopify_value": "A", "oms_value": "SERVICE",
                                                  "carrier": "UPS"}]})[0] == 400
    assert refused("shipping_method", {"mappings": [{"shopify_value": "Express", "oms_value": "NEXT_DAY",
                                                     "carrier": "DHL"}]}, oms={"NEXT_DAY"})[0] == 422
    assert refused("shipping_method", {"mappings": [{"shopify_value": "Express", "oms_value": None,
                                                     "carrier": "UPS"}]}, oms={"NEXT_DAY"})[0] == 400
    request = parse_changes("shipping_method", {"create_carriers": ["DHL"], "mappings": [
        {"shopify_value": "Express", "oms_value": "NEXT_DAY", "carrier": "DHL"}]}, {"NEXT_DAY"}, CARRIERS)
    assert request.new_carriers == [("DHL", None)] and request.changes == {"Express": ("NEXT_DAY", "DHL")}


@pytest.mark.parametrize("body", [
    [],
    {"mapping": []},
    {"mappings": "Shirts"},
    {"mappings": [{"shopify_value": "Shirts"}]},
    {"mappings": [{"shopify_value": "Shirts", "oms_value": "SERVICE"}, {"shopify_value": "Shirts", "oms_value": None}]},
    {"create_oms_values": [{"value": "bad value"}]},
])
def test_malformed_bodies_are_400(body):
    assert refused("product_type", body)[0] == 400


def test_an_unknown_kind_is_404():
    assert refused("colour", {"mappings": []})[0] == 404


def test_a_bad_row_is_listed_by_index_and_the_good_rows_go_on():
    request = parse_changes("shipping_method", {"mappings": [
        {"shopify_value": "Standard", "oms_value": "NEXT_DAY", "carrier": "UPS"},
        {"shopify_value": "Express", "oms_value": None, "carrier": "UPS"},
        {"shopify_value": "Pickup", "oms_value": "PIGEON"},
        {"shopify_value": "Local", "oms_value": "NEXT_DAY", "carrier": "_NA_"},
    ]}, {"NEXT_DAY"}, CARRIERS)
    assert request.changes == {"Standard": ("NEXT_DAY", "UPS"), "Local": ("NEXT_DAY", None)}
    assert [(e.index, e.shopify_value, e.status) for e in request.errors] == [(1, "Express", 400), (2, "Pickup", 422)]
    assert "carrier" in request.errors[0].error and "mappings[" not in request.errors[0].error


def test_a_value_twice_in_one_save_saves_neither_row():
    request = parse_changes("product_type", {"mappings": [
        {"shopify_value": "Shirts", "oms_value": "SERVICE"}, {"shopify_value": "Mugs", "oms_value": "SERVICE"},
        {"shopify_value": "Shirts", "oms_value": None}]}, CATALOGUE, set())
    assert request.changes == {"Mugs": ("SERVICE", None)}
    assert [e.index for e in request.errors] == [0, 2]


def test_the_decision_gives_reasons_and_knows_no_http_status():
    request = decide_changes("shipping_method", Proposal([
        ProposedRow(0, "Express", "NEXT_DAY", "DHL"), ProposedRow(1, "Pickup", None, "UPS"),
        ProposedRow(2, "Local", "NEXT_DAY", "_NA_")]), {"NEXT_DAY"}, CARRIERS)
    assert request.changes == {"Local": ("NEXT_DAY", None)}
    assert [(e.index, e.reason) for e in request.errors] == [(0, NOT_IN_CATALOGUE), (1, INVALID)]
    assert not any(hasattr(e, "status") for e in request.errors)
    with pytest.raises(MappingError) as refused_kind:
        decide_changes("colour", Proposal([]), set(), set())
    assert refused_kind.value.reason == UNKNOWN_KIND and not hasattr(refused_kind.value, "status")
