"""devstore: a local stand-in for Shopify (OAuth, Admin GraphQL, bulk operations,
throttling, webhooks, an embedded admin) for development, demos and tests.

Run it with `python -m devstore --port PORT`; see devstore/README.md.
"""
__all__ = ["create_devstore"]


def create_devstore(*args, **kwargs):
    # Imported here, not at the top: this __init__ runs on any import of devstore.*, and the
    # app's tests load devstore.testing in every session (a pytest plugin that starts devstore
    # in its own process), which must not bring the whole server (~0.9 s, 350 modules).
    from devstore.server import create_devstore as _create
    return _create(*args, **kwargs)
