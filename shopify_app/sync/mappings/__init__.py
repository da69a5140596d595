"""Mappings from Shopify values to OMS values, per shop.

- `catalogue`: the kinds, the OMS catalogue each points to, and its default values;
- `values`: the Shopify values met in data, recorded for the merchant to map;
- `resolver`: a Shopify value's OMS value (cached; `Resolver` for a run);
- `changes` / `apply`: the merchant's changes, checked (pure) and saved;
- `import_values`: looking every value up in Shopify; `run`: that, as the daily flow.

What the other flows use, importable from here:
- `record_seen(shop, kind, values)`: remember values met in data (in the caller's
  transaction; cheap when nothing is new);
- `resolve(shop_id, kind, value)`: the OMS value, or None when unmapped. Never a
  guess. Cached for a few seconds per process (a changed mapping applies to data
  processed after it); `Resolver` is a per-run snapshot for hot loops.
- `resolve_shipping(shop_id, title)`: (shipment method, carrier) or (None, None).
- `resolve_sales_channel(shop_id, source_name, app_name)`: the source name's
  mapping, else the app name's.
- `invalidate(shop_id)`: forget what this process cached about a shop.
- `reach_stored(shop_id, kind, values)`: bring the stored records carrying those values
  in line with the mapping (set-based; `reach`, decided by `reach_plan`);
  `settle_after_run(shop_id, kinds, started)`: the same for what a download wrote.
"""
from .resolver import Resolver, invalidate, resolve, resolve_sales_channel, resolve_shipping
from .reach import reach_stored, settle_after_run
from .values import record_seen

__all__ = ["Resolver", "invalidate", "reach_stored", "record_seen", "resolve", "resolve_sales_channel",
           "resolve_shipping", "settle_after_run"]
