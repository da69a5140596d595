"""`column IN (values)` written so that the statement's text does not depend on how many
values there are: on PostgreSQL `column = ANY(:values)`, one bound array.

An IN list has a placeholder per value, so a batch of 187 and one of 200 are two
statements: SQLAlchemy expands each, psycopg parses each anew (its cache keys on the
text) and PostgreSQL plans each, where one text is parsed once and prepared after a
few runs. The webhook batches and the OMS pages run these at every batch and page.
SQLite has no arrays: it keeps IN (and its statements are cheap to parse).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from ..extensions import db


def one_of(column, values: Iterable):
    """The condition `column` is one of `values`, for the session's database."""
    values = list(values)
    if db.session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
