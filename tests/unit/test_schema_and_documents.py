"""The schema comes from migrations, on SQLite and PostgreSQL; every GraphQL document
validates against Shopify's Admin schema."""
from functools import lru_cache

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from graphql import FragmentDefinitionNode, build_schema, parse, validate

from shopify_app.extensions import db
from shopify_app.models import Base
from shopify_app.shopify.documents import DocumentError, all_documents, compose, load_document, shared_fragments
from tests.conftest import ADMIN_SCHEMA


@lru_cache(maxsize=1)
def admin_schema():
    return build_schema(ADMIN_SCHEMA.read_text(), assume_valid=True)


def schema_differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_migrations_build_the_models_schema_on_sqlite(app):
    assert schema_differences(db.engine) == []


def test_migrations_have_a_single_head(app):
    config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"merge the migration heads: {heads}"


DOCUMENTS = all_documents()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_graphql_document_validates_against_the_admin_schema(name):
    errors = validate(admin_schema(), parse(DOCUMENTS[name]))
    assert errors == [], [e.message for e in errors]


def test_there_are_graphql_documents():
    assert "shop_summary" in DOCUMENTS


def fragment_names(text):
    return [d.name.value for d in parse(text).definitions if isinstance(d, FragmentDefinitionNode)]


def test_a_document_comes_with_exactly_the_fragments_it_needs():
    assert fragment_names(load_document("orders_lines")) == ["LineItemFields"]
    # AddressFields comes in through OrderFields, ReturnSummaryFields through ReturnFields
    assert sorted(fragment_names(load_document("orders_page"))) == [
        "AddressFields", "FulfillmentOrderFields", "LineItemFields", "OrderFields", "RefundLineFields",
        "ReturnFields", "ReturnSummaryFields", "ShippingLineFields"]
    assert fragment_names(load_document("shop_summary")) == []
    assert load_document("orders_one").startswith("# One order, whole")


def test_every_selection_shared_by_documents_is_a_fragment_they_all_spread():
    for name in ("orders_one", "orders_page", "orders_bulk"):
        assert {"OrderFields", "LineItemFields", "AddressFields"} <= set(fragment_names(DOCUMENTS[name])), name
    for name in ("products_bulk", "products_page", "products_variants"):
        assert "VariantFields" in fragment_names(DOCUMENTS[name]), name


def test_every_shared_fragment_is_used_by_a_document():
    used = {f for text in DOCUMENTS.values() for f in fragment_names(text)}
    assert set(shared_fragments()) - used == set()


def test_a_spread_of_an_unknown_fragment_is_refused():
    with pytest.raises(DocumentError, match="NoSuchFields"):
        compose("query { shop { ...NoSuchFields } }")


def test_a_document_may_define_a_fragment_of_its_own():
    text = "query { shop { ...Mine } }\nfragment Mine on Shop { name }"
    assert compose(text) == text + "\n"
