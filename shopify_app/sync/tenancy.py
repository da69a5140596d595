"""Which shops a caller may see: an OMS API key belongs to one product store (and sees
that store's shops only) or, made before product stores existed, to all of them.

One value, `Tenancy`, carried from the API key to every query and write that names a
shop, so the rule is written once: here. A shop outside the tenancy is treated exactly
as a shop that does not exist, so a key cannot learn which shops another store has."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, true

from ..models import Shop


@dataclass(frozen=True)
class Tenancy:
    # None: every store's shops, and shops under no store (a legacy all-stores key).
    product_store_id: int | None = None

    @property
    def all_stores(self) -> bool:
        return self.product_store_id is None

    def sees(self, shop: Shop | None) -> bool:
        return shop is not None and (self.all_stores or shop.product_store_id == self.product_store_id)

    def shop_ids(self, column):
        """A condition on a shop id column: only the shops this tenancy sees."""
        if self.all_stores:
            return true()
        return column.in_(select(Shop.id).where(Shop.product_store_id == self.product_store_id))


ALL_STORES = Tenancy()
