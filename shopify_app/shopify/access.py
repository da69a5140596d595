"""Access levels: the one place that decides what a connection may ask of Shopify.

`none`: no calls at all. `read`: downloads only. `read_write`: downloads and pushes.
A level is never above what the granted scopes allow.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable

from graphql import OperationType, parse
from graphql.language import (FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode,
                              OperationDefinitionNode, SelectionSetNode)
from shopify import ApiAccess

from .documents import fragments_needed


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
    """What a GraphQL document needs: queries read; mutations write, unless they only download.

    A mutation's fields may come through fragments (its own or the shared ones in
    graphql/fragments/): they are looked at too, so a spread cannot hide a write."""
    parsed = parse(document)
    fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    fragments.update((f.name.value, f) for f in fragments_needed(parsed))
    needed = AccessLevel.READ
    for definition in parsed.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.operation == OperationType.MUTATION:
            if not root_field_names(definition.selection_set, fragments) <= READ_ONLY_MUTATIONS:
                return AccessLevel.READ_WRITE
        elif definition.operation == OperationType.SUBSCRIPTION:
            return AccessLevel.READ_WRITE
    return needed


def root_field_names(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> set[str]:
    """The fields an operation asks for at its root, through inline fragments and spreads."""
    names: set[str] = set()
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names |= root_field_names(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            names |= root_field_names(fragments[selection.name.value].selection_set, fragments)
    return names


def check_access(level: AccessLevel | str, document: str) -> None:
    level = AccessLevel(level)
    if level == AccessLevel.NONE:
        raise AccessDenied("access level is none: the app calls Shopify for nothing on this shop")
    needed = required_level(document)
    if not level.allows(needed):
        raise AccessDenied(f"access level {level.value} does not allow this call (needs {needed.value})")
