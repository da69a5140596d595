"""Inventory: ATP in from the OMS, sellable levels out to Shopify.

- `plan`: what Shopify should show and what to send (pure);
- `atp_rows` / `atp`: the OMS's ATP rows, checked (pure) and stored;
- `desired`: the targets, ATP and inventory items read from our tables;
- `ledger`: what Shopify holds as far as we know, and what we last pushed;
- `levels`: reading Shopify's levels (by query, or one bulk operation);
- `push`: the push run (the "inventory" flow);
- `level_updates` / `webhooks`: `inventory_levels/update` deliveries, classified (pure)
  and handled.
"""
