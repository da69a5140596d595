"""The one error a webhook handler raises to refuse a delivery for good.

A module of its own, importing nothing: the handlers listed in TOPICS
(sync/registry.py) raise it, and the checks that read TOPICS (sync/webhooks/checks.py)
must not be among the modules the registry imports.
"""


class Rejected(Exception):
    """The delivery contradicts Shopify's own state: record it, never apply or retry it."""
