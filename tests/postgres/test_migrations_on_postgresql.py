"""The migrations build the models' schema on PostgreSQL (on SQLite: tests/unit/test_schema_and_documents.py)."""
from shopify_app.extensions import db
from tests.unit.test_schema_and_documents import schema_differences


def test_migrations_build_the_models_schema_on_postgresql(pg_app):
    assert schema_differences(db.engine) == []
