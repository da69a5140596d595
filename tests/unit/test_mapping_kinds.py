"""The mapping kinds are one table (MAPPING_KIND_TABLE in models/mappings.py): what lists
them derives from it, and what must be written per kind covers every kind."""
from __future__ import annotations

from shopify_app.models.mappings import MAPPING_KIND_TABLE, MAPPING_KINDS, OMS_VALUE_KINDS
from shopify_app.sync.mappings.catalogue import CATALOGUE_KIND, DEFAULT_OMS_VALUES, kinds_carried_by
from shopify_app.sync.mappings.reach import LIST_COLUMNS
from shopify_app.sync.mappings.reach_plan import LIST_KINDS, SCALAR_KINDS
from shopify_app.sync.orders.run import ORDER_MAPPING_KINDS
from shopify_app.sync.products.run import PRODUCT_MAPPING_KINDS


def test_the_kinds_and_their_catalogues_come_from_the_table():
    assert MAPPING_KINDS == tuple(MAPPING_KIND_TABLE)
    assert CATALOGUE_KIND == {kind: facts.catalogue for kind, facts in MAPPING_KIND_TABLE.items()}
    assert set(CATALOGUE_KIND.values()) <= set(OMS_VALUE_KINDS) == set(DEFAULT_OMS_VALUES)


def test_a_flow_settles_the_kinds_its_records_carry():
    assert ORDER_MAPPING_KINDS == kinds_carried_by("orders") == ("sales_channel", "payment_method", "shipping_method")
    assert PRODUCT_MAPPING_KINDS == kinds_carried_by("products") == ("product_type",)
    assert set(ORDER_MAPPING_KINDS) | set(PRODUCT_MAPPING_KINDS) == set(MAPPING_KINDS)


def test_every_kind_reaches_its_stored_records():
    """A kind in the table but in neither list is refused by reach_stored: its update is
    code written for it (README, "A new mapping kind")."""
    assert set(SCALAR_KINDS) | set(LIST_KINDS) == set(MAPPING_KINDS)
    assert not set(SCALAR_KINDS) & set(LIST_KINDS)
    assert set(LIST_COLUMNS) == set(LIST_KINDS)
