"""Flask extensions, created once and initialised in create_app()."""
import sqlite3
import time

from flask import Flask, current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import Settings
from .models.base import Base
from .task_queue import TaskQueue


class AppSettings:
    """The app's Settings (read and checked once, by create_app), for code that must
    not import Flask: `sync/` reads `app_settings.current` as it uses `db`, in the app's
    context, and is handed typed fields instead of a config dictionary."""

    KEY = "shopify_app.settings"

    def init_app(self, app: Flask, settings: Settings) -> None:
        app.extensions[self.KEY] = settings

    @property
    def current(self) -> Settings:
        return current_app.extensions[self.KEY]


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
app_settings = AppSettings()
task_queue = TaskQueue()


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, _record) -> None:
    """SQLite files run in WAL mode: the web workers' reads (and the webhook ledger's
    acknowledgement) never wait behind a sync batch being written by the scheduler."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            # Switching a new file to WAL takes its lock without waiting on the busy timeout:
            # processes starting together on a fresh file (gunicorn's workers) take turns.
            for attempt in range(WAL_SWITCH_ATTEMPTS):
                try:
                    cursor.execute("PRAGMA journal_mode=WAL")  # answers "memory" for :memory:, harmless
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or attempt == WAL_SWITCH_ATTEMPTS - 1:
                        raise
                    time.sleep(0.1)
        finally:
            cursor.close()


WAL_SWITCH_ATTEMPTS = 100  # 10 s
