"""The schema comes from migrations, on SQLite and PostgreSQL; every GraphQL document
validates against Shopify's Admin schema."""
from functools import lru_cache
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from graphql import build_schema, parse, validate

from shopify_app.extensions import db
from shopify_app.models import Base
from shopify_app.shopify.documents import all_documents

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "shopify" / "admin-2026-10.graphql"


@lru_cache(maxsize=1)
def admin_schema():
    return build_schema(SCHEMA.read_text(), assume_valid=True)


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
