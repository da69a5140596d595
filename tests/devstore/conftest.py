"""devstore's own tests run against a real `python -m devstore` subprocess, through the
fixtures of the `devstore.testing` plugin (loaded by the top-level conftest with
`pytest_plugins`): `devstore_factory`, `devstore`, `devstore_shop`. They stay self-contained
(their own tiny app, their own Chromium in test_admin.py, marked `browser`), sharing only
Shopify's signatures (`webhook_hmac`, `independent_query_hmac`) with tests/conftest.py."""
