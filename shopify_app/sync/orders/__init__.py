"""Orders flow: orders come down from Shopify into the OMS tables and its brokering queue.

Where things live:
- `normalize`: a Shopify order (GraphQL node or webhook REST payload) as our rows (pure);
- `filter`: which new orders we import, and the first download's search (pure);
- `mapper`: sales channel, payment and shipping method through the shop's mappings
  (None and listed in `unmapped` when not mapped);
- `write`: upserting one order, placeholders for lines whose product we lack (a line
  never blocks its order), newer wins;
- `sink`: the bulk download's JSONL -> batched upserts;
- `fetch`: paged queries, one whole order, counts, the bulk query;
- `run`: the flow's scheduled run (the overlap window, poison orders recorded),
  refetching one order by id or name;
- `reconcile_plan` (pure) and `reconcile`: the daily reconciliation and its report;
- `broker_status` (pure) and `broker`: the OMS's brokering status, Shopify's cancellations;
- `webhooks`: the orders/* and refunds/create topics;
- `privacy`: customer data export and redaction.

New orders enter the brokering queue; a webhook and a pull racing on one order keep
the newer version (`updatedAt`).
"""
