"""Access levels: the one place that decides what a connection may ask of Shopify.

`none`: no calls at all. `read`: downloads only. `read_write`: downloads and pushes.
A level is never above what the granted scopes allow.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable

from graphql import OperationType, parse
from graphql.language import FieldNode, OperationDefinitionNode
from shopify import ApiAccess


class AccessLevel(str, enum.Enum):
    NONE = "none"
    READ = "read"
    READ_WRITE = "read_write"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, needed: "AccessLevel") -> bool:
        return self.rank >= needed.rank


_RANK = {AccessLevel.NONE: 0, AccessLevel.READ: 1, AccessLevel.READ_WRITE: 2}

# What downloads need: the catalog and the orders.
READ_SCOPES = ("read_products", "read_orders")
# What pushes need on top: inventory levels and fulfillments.
WRITE_SCOPES = ("write_inventory", "write_merchant_managed_fulfillment_orders")

# Mutations that only start or stop a download, so `read` may send them.
READ_ONLY_MUTATIONS = frozenset({"bulkOperationRunQuery", "bulkOperationCancel"})


class AccessDenied(PermissionError):
    """The shop's access level does not allow this call."""


def parse_level(value: str) -> AccessLevel:
    try:
        return AccessLevel(value)
    except ValueError:
        raise ValueError(f"access must be one of none, read, read_write; got {value!r}") from None


def max_level_for_scopes(scopes: Iterable[str]) -> AccessLevel:
    """The highest level the granted scopes allow (write_X implies read_X)."""
    scopes = [s for s in scopes if s]
    if not scopes:
        return AccessLevel.NONE
    granted = ApiAccess(scopes)
    if not granted.covers(ApiAccess(list(READ_SCOPES))):
        return AccessLevel.NONE
    if granted.covers(ApiAccess(list(WRITE_SCOPES))):
        return AccessLevel.READ_WRITE
    return AccessLevel.READ


def clamp_level(wanted: AccessLevel, scopes: Iterable[str]) -> AccessLevel:
    ceiling = max_level_for_scopes(scopes)
    return wanted if ceiling.allows(wanted) else ceiling


def required_level(document: str) -> AccessLevel:
    """What a GraphQL document needs: queries read; mutations write, unless they only download."""
    needed = AccessLevel.READ
    for definition in parse(document).definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.operation == OperationType.MUTATION:
            fields = {
                sel.name.value
                for sel in definition.selection_set.selections
                if isinstance(sel, FieldNode)
            }
            if not fields <= READ_ONLY_MUTATIONS:
                return AccessLevel.READ_WRITE
        elif definition.operation == OperationType.SUBSCRIPTION:
            return AccessLevel.READ_WRITE
    return needed


def check_access(level: AccessLevel | str, document: str) -> None:
    level = AccessLevel(level)
    if level == AccessLevel.NONE:
        raise AccessDenied("access level is none: the app calls Shopify for nothing on this shop")
    needed = required_level(document)
    if not level.allows(needed):
        raise AccessDenied(f"access level {level.value} does not allow this call (needs {needed.value})")
