"""Bringing the database schema to the migrations' head at start-up.

Runs the Alembic migrations (never create_all), once, under a lock that every
process on the machine (SQLite) or cluster (PostgreSQL) respects, so that
several gunicorn workers and schedulers starting together do not race.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from .extensions import db

log = logging.getLogger(__name__)

# An arbitrary, fixed key for PostgreSQL's advisory lock.
MIGRATION_LOCK_KEY = 727_274_2026


def _script_heads(app: Flask) -> set[str]:
    migrate = app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    return set(ScriptDirectory.from_config(config).get_heads())


def _current_heads() -> set[str]:
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


@contextlib.contextmanager
def _migration_lock():
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_suffix(Path(database).suffix + ".migrate-lock")
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upgrade_if_needed(app: Flask) -> bool:
    """Run the migrations if the database is behind; True when it ran them."""
    with app.app_context():
        heads = _script_heads(app)
        if _current_heads() == heads:
            return False
        with _migration_lock():
            if _current_heads() == heads:  # another process did it meanwhile
                return False
            log.info("migrating the database to %s", ", ".join(sorted(heads)))
            upgrade(revision="heads")
            return True
