"""The console wears the merchant pages' look: every design value its styles use is defined
by a stylesheet its pages link (Shopify's tokens, self-hosted), none left undefined."""
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_every_custom_property_the_console_uses_is_defined_by_a_stylesheet_it_links(client):
    page = client.get("/console/login").get_data(as_text=True)
    linked = re.findall(r'href="/static/([^"]+\.css)"', page)
    assert "vendor/polaris-tokens.css" in linked
    css = "\n".join((STATIC / name).read_text() for name in linked)
    defined = set(re.findall(r"(--[a-z0-9-]+)\s*:", css))
    used = set(re.findall(r"var\((--[a-z0-9-]+)\s*\)", css))  # a var() without a fallback
    assert used - defined == set()
