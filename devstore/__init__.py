"""devstore: a local stand-in for Shopify (OAuth, Admin GraphQL, bulk operations,
throttling, webhooks, an embedded admin) for development, demos and tests.

Run it with `python -m devstore --port PORT`; see devstore/README.md.
"""
__all__ = ["create_devstore"]


def create_devstore(*args, **kwargs):
    from devstore.server import create_devstore as _create
    return _create(*args, **kwargs)
