"""A product's type through the shop's product-type mapping, cached for one run."""
from __future__ import annotations

import logging

from ...extensions import db
from .. import mappings

log = logging.getLogger(__name__)


class TypeResolver:
    """Product type -> OMS product type for one shop, cached for the run; the types seen
    are recorded as values to map."""

    def __init__(self, shop_id: int):
        self.shop_id = shop_id
        self._cache: dict[str | None, str | None] = {}
        self.seen: set[str] = set()

    def __call__(self, product_type: str | None) -> tuple[str | None, bool]:
        """(OMS type, unmapped?)"""
        if not product_type:
            return None, False
        self.seen.add(product_type)
        if product_type not in self._cache:
            value = None
            try:
                value = mappings.resolve(self.shop_id, "product_type", product_type)
            except Exception:  # mapping tables missing: unmapped, never guessed
                log.exception("product type mapping failed")
            self._cache[product_type] = value
        value = self._cache[product_type]
        return value, value is None

    def record(self) -> None:
        if self.seen:
            try:
                with db.session.begin_nested():
                    mappings.record_seen(self.shop_id, "product_type", sorted(self.seen), source="product")
            except Exception:
                log.exception("could not record product types")
        self.seen = set()
