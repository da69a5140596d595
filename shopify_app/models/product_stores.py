"""Product stores: a brand in the OMS, with the shops that sell it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# How the OMS identifies the store's products: by SKU, by barcode, or by Shopify's product id.
PRODUCT_IDENTIFIERS = ("sku", "barcode", "product_id")


class ProductStore(Base):
    __tablename__ = "product_stores"
    __table_args__ = (
        CheckConstraint("identifier IN ('sku', 'barcode', 'product_id')", name="identifier_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    identifier: Mapped[str] = mapped_column(String(16), default="sku")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ProductStore {self.id} {self.name}>"
