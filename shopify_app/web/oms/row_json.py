"""Pages of the OMS API written from database rows, without a round trip through Python
objects: an OMS polling through a sale-day burst reads page after page, and building
models, parsing JSON columns only to write them out again and converting every time
cost most of a page's CPU, taken from the same web processes that acknowledge webhooks.

The columns are selected in the answer's shape (`fields`): JSON columns as their stored
text, written into the answer as they are (orjson.Fragment); times as naive UTC (SQLite
stores them so; PostgreSQL converts them in the query, whatever the session's TimeZone),
written as ISO 8601 with 'Z' like shopify.times.json_time.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import orjson
from flask import Response
from sqlalchemy import Boolean, DateTime, Text, TypeDecorator, case, cast, false, literal, null, or_, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.elements import ColumnElement

JSON_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


def json_text(column, empty: str = "[]") -> ColumnElement:
    """A JSON column as its stored text; `empty` for SQL NULL and for JSON null."""
    text = cast(column, Text)
    return type_coerce(case((or_(column.is_(None), text == "null"), literal(empty)), else_=text), _StoredJSONText())


class utc_time(FunctionElement):
    """A timestamptz column as naive UTC, converted by the database (skips the models'
    conversion in Python)."""

    type = DateTime()
    inherit_cache = True


@compiles(utc_time)
def _utc_time_elsewhere(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)  # SQLite keeps UTC, naive


@compiles(utc_time, "postgresql")
def _utc_time_on_postgresql(element, compiler, **kw):
    return f"timezone('UTC', {compiler.process(element.clauses, **kw)})"


def stored_time(column) -> ColumnElement:
    """A time column as naive UTC, written with 'Z'."""
    return utc_time(column)


def flag(condition) -> ColumnElement:
    """A boolean in the answer (SQLite's 0/1 as false/true)."""
    return type_coerce(condition, Boolean)


def flag_column(column) -> ColumnElement:
    """A boolean column, false when NULL."""
    return flag(case((column.is_(None), false()), else_=column))


def nothing() -> ColumnElement:
    """A field the caller fills in afterwards (it keeps its place in the answer's order)."""
    return null()


def labelled(fields: dict) -> list[ColumnElement]:
    """The fields' expressions, labelled apart from the columns a query selects beside them."""
    return [expression.label(f"field_{key}") for key, expression in fields.items()]


def records(rows: Iterable[Sequence[Any]], keys: Sequence[str], skip: int = 0) -> list[dict]:
    """Each row as the answer's dict: its values after the first `skip`, under `keys`."""
    return [dict(zip(keys, row[skip:])) for row in rows]


def json_answer(payload: Any, status: int = 200) -> Response:
    """`payload` as a JSON response (stored JSON written in as it is)."""
    return Response(orjson.dumps(payload, option=JSON_OPTIONS), status=status, mimetype="application/json")


class _StoredJSONText(TypeDecorator):
    """The SQL type of json_text: its values come back as orjson fragments."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value, dialect):
        return None if value is None else orjson.Fragment(value)
