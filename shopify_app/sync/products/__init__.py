"""Products flow: the catalog comes down from Shopify into the OMS tables.

- first run: a bulk operation over every product and variant;
- later runs: what changed since the cursor (`updated_at` minus an overlap window);
  a bulk operation when `productsCount` says the change set is large, pages otherwise;
- `products/create|update|delete` webhooks apply at once;
- deletions are marked, never lost (webhook; a full download sweeps what Shopify
  no longer has; the daily reconciliation runs a full download when counts differ);
- each product's type goes through the product-type mapping; unmapped is flagged.

Where things are: `normalize` (a GraphQL node or a REST payload -> our rows, pure),
`type_mapping` (the product-type mapping, cached per run), `write` (upserts, deletions,
"newer wins"), `sink` (bulk JSONL -> batched upserts), `fetch` (the Shopify calls),
`run` (the flow), `webhooks` (the topic handlers).
"""
