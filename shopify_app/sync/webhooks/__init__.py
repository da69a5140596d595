"""The webhook ledger: a recorded delivery judged, applied (one by one or in batches),
retried, or refused. The receiver that records a delivery is web/webhooks.py; the
topics themselves, with their handlers, are `TOPICS` in sync/registry.py.

- apply.py: one delivery from the ledger through its topic's handler, and the outcome
  (the `webhook` task); `held_while_inactive`.
- batches.py: the bursty topics' deliveries applied a batch to a transaction (the
  `webhook_batch` task).
- checks.py: whether a signed delivery may be applied, judged from what it says.
- shapes.py: whether a body has what its topic's body always holds.
- body_owners.py: which shop a signed body belongs to (the first it was recorded for).
- retry.py: when a failed delivery is tried again; what the sweep sends again.
- rejected.py: `Rejected`, the error a handler raises to refuse a delivery for good.
- app_lifecycle.py: the app's own topics, `app/uninstalled` and `app/scopes_update`.
- compliance.py: the mandatory compliance topics (data request, customer and shop redact).

The data topics' handlers live with their flow: sync/<flow>/webhooks.py. This module
imports nothing, so that importing one of its modules loads only what that one needs.
"""
