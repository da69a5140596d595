"""What the OMS's fulfillment and return requests have in common: `checks` (their
shared fields checked and their lines found on the order, pure) and `store` (stored
once per external id, pushed in turn, a failed push recorded)."""
