"""devstore's own tests run against a real `python -m devstore` subprocess, through the
fixtures of the `devstore.testing` plugin (loaded by the top-level conftest with
`pytest_plugins = ["devstore.testing"]`): `devstore_factory`, `devstore`, `devstore_shop`."""
