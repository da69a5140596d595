"""Flask extensions, created once and initialised in create_app()."""
import sqlite3

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, _record) -> None:
    """SQLite files run in WAL mode: the web workers' reads (and the webhook ledger's
    acknowledgement) never wait behind a sync batch being written by the scheduler."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # answers "memory" for :memory:, harmless
        finally:
            cursor.close()
