"""The OMS product pages on PostgreSQL: JSON columns written in as stored, flags and times
as the models say (times in UTC with 'Z' whatever the server's TimeZone)."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.unit.test_products_page_from_rows import assert_page_matches_the_models


def test_a_page_written_from_rows_says_what_the_models_say_on_postgresql(pg_app, pg_database_url):
    # The database's own default is not UTC: the page converts its times in the query.
    engine = create_engine(pg_database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        name = conn.execute(text("SELECT current_database()")).scalar_one()
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET TimeZone TO 'America/New_York'"))
        conn.commit()
    engine.dispose()
    try:
        pg_app.extensions["sqlalchemy"].engine.dispose()
        assert_page_matches_the_models(pg_app.test_client())
    finally:
        engine = create_engine(pg_database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            conn.execute(text(f"ALTER DATABASE \"{name}\" RESET TimeZone"))
            conn.commit()
        engine.dispose()
