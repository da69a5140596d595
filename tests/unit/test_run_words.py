"""A run's error, counts and progress in the merchant's words, and GET /api/sync carrying them."""
from __future__ import annotations

from datetime import datetime, timezone

from shopify_app.extensions import db
from shopify_app.models import SyncRun
from shopify_app.web.run_words import counts_summary, error_in_words, progress_summary

INTERNAL = ("placeholder_lines", "bulk_status", "bulk_objects", "ShopifyUnavailable", "GraphQL", "_")


def test_shopify_not_answering_is_said_with_the_next_step():
    text = error_in_words("ShopifyUnavailable: GraphQL call orders_page failed after 6 attempts: 503")
    assert text == ("Shopify did not answer. We will try again at the next sync; if it keeps failing, check the "
                    "store's status.")
    assert error_in_words(None) is None
    for error in ("ShopifyUnauthorized: 401", "interrupted: the worker running it stopped (its lease expired)",
                  "access level read does not allow inventory (needs read_write)", "KeyError: 'x'",
                  "GraphQLError: Field 'x' doesn't exist"):
        words = error_in_words(error)
        assert words and not any(w in words for w in INTERNAL), (error, words)


def test_counts_and_progress_read_as_sentences_without_internal_names():
    summary = counts_summary({"orders": 128, "lines": 512, "placeholder_lines": 369, "calls": 3, "orders_failed": 0})
    assert summary == ("128 orders downloaded, 512 order lines, 369 order lines for products not downloaded yet "
                       "(they fill in when the products arrive)")
    assert counts_summary({"created": 2}, "locations") == "2 new locations"
    assert counts_summary({}) == ""
    progress = progress_summary({"bulk_status": "running", "bulk_objects": 3160})
    assert progress == "Shopify is preparing the download: 3,160 records so far"
    assert progress_summary({"bulk_status": "completed", "bulk_objects": 3160, "objects": 1000}) == (
        "Shopify has the download ready; 1,000 of 3,160 records saved")


def test_get_sync_carries_error_message_and_summary(client, shop, auth_headers):
    now = datetime.now(timezone.utc)
    db.session.add(SyncRun(shop_id=shop.id, flow="orders", trigger="schedule", status="failed", queued_at=now,
                           started_at=now, finished_at=now, counts={"orders": 5, "placeholder_lines": 2},
                           error="ShopifyUnavailable: GraphQL call orders_page failed after 6 attempts"))
    db.session.commit()
    last = client.get("/api/sync", headers=auth_headers()).json["orders"]["last_run"]
    assert last["error"].startswith("ShopifyUnavailable")  # the technical text stays
    assert last["error_message"].startswith("Shopify did not answer.")
    assert last["summary"].startswith("5 orders downloaded")
