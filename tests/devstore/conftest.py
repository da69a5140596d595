"""devstore's own tests run against a real `python -m devstore` subprocess.

The fixtures come from devstore.testing (the plugin the app's tests load with
`pytest_plugins = ["devstore.testing"]`); importing them here makes them available to
this directory whether or not the top-level conftest loads the plugin.
"""
from devstore.testing import devstore, devstore_factory, devstore_shop  # noqa: F401
