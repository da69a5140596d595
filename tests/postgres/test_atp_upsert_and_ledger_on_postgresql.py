"""ATP in and the push ledger on PostgreSQL (the production database)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import AtpLevel, Location, PushedLevel
from shopify_app.sync.inventory.atp import AtpRejected, apply_atp
from shopify_app.sync.inventory.ledger import Ledger
from shopify_app.sync.locations.mapping import create_facility

from tests.conftest import create_shop


def test_atp_upsert_and_ledger_on_postgres(pg_app):
    shop = create_shop()
    for n in (1, 2):
        loc = Location(shop_id=shop.id, shopify_id=f"gid://shopify/Location/{n}", legacy_id=str(n), name=f"L{n}",
                       address={}, active=True, fulfills_online_orders=True, pos=False, deleted=False, is_default=n == 1)
        db.session.add(loc)
        db.session.commit()
        create_facility(shop, loc)
    rows = [{"facility_id": f"SHOPIFY_{f}", "sku": f"SKU-{i}", "atp": i} for i in range(12000) for f in (1, 2)]
    assert apply_atp(rows)["accepted"] == 24000
    assert apply_atp(rows)["accepted"] == 24000  # idempotent
    apply_atp([{"facility_id": "SHOPIFY_1", "sku": "SKU-3", "atp": -9}])
    assert db.session.execute(select(func.count()).select_from(AtpLevel)).scalar_one() == 24000
    assert db.session.execute(select(AtpLevel.atp).where(AtpLevel.sku == "SKU-3", AtpLevel.atp < 0)).scalar_one() == -9
    with pytest.raises(AtpRejected):
        apply_atp([{"facility_id": "SHOPIFY_1", "sku": "NEW", "atp": 1}, {"facility_id": "GONE", "sku": "NEW", "atp": 1}])
    assert db.session.execute(select(func.count()).select_from(AtpLevel).where(AtpLevel.sku == "NEW")).scalar_one() == 0

    ledger = Ledger(shop.id)
    values = {(f"gid://shopify/InventoryItem/{i}", "gid://shopify/Location/1"): i for i in range(3000)}
    ledger.record(values, pushed=False)
    db.session.commit()
    ledger.record({k: v + 1 for k, v in values.items()}, pushed=True)
    db.session.commit()
    fresh = Ledger(shop.id).quantities()
    assert len(fresh) == 3000 and all(fresh[k] == v + 1 for k, v in values.items())
    assert db.session.execute(select(func.count()).select_from(PushedLevel).where(PushedLevel.pushed_quantity.is_not(None))).scalar_one() == 3000
