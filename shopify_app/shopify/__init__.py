"""Everything that speaks Shopify. Knows nothing of Flask views."""
