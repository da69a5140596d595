"""Flows between Shopify and the OMS tables, one module per flow, and the scheduler."""
