"""Returns from Shopify: read with their orders (pages, one-order fetches, bulk) and
refetched on the returns webhooks; stored in `ShopifyReturn`, newest order version wins."""
