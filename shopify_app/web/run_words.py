"""A run's error, counts and progress in the merchant's words: pure, no I/O.

Runs record what engineers need (`error` is the exception's class and message, counts
are keyed by internal names such as `placeholder_lines` or `bulk_objects`). The
merchant is told what happened and the next step; the technical text stays beside it.
"""
from __future__ import annotations

import re

SHOPIFY_DOWN = ("Shopify did not answer. We will try again at the next sync; if it keeps failing, check the "
                "store's status.")
NO_ACCESS = "Shopify no longer accepts the app's access. Open the app from Shopify admin to reconnect it."
STOPPED = "The sync stopped before it finished (the app restarted). It picks up where it left off within a minute."

# (pattern on the recorded error, what the merchant is told). First match wins.
ERRORS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), text) for p, text in (
    (r"^(ShopifyUnavailable|OutcomeUnknown|ConnectionError|Timeout|ReadTimeout)\b", SHOPIFY_DOWN),
    (r"^(ShopifyUnauthorized|NeedsReauthentication)\b|needs re-?authentication", NO_ACCESS),
    (r"access level is none",
     "Access is set to None: the app makes no call to Shopify for this store. Choose Read, or Read and write, "
     "in the app's settings to sync."),
    (r"^AccessDenied\b|access level \w+ does not allow",
     "The app's access to this store does not allow this sync. Choose Read and write in the app's settings."),
    (r"^interrupted", STOPPED),
    (r"is switched off", "This sync is switched off. Turn it on to sync again."),
    (r"another run of this flow is in progress|of this flow is queued and does the work",
     "Another sync of the same kind was already under way; it does the work."),
    (r"shop is inactive",
     "Your OMS operator has paused this store's connection; nothing syncs until they resume it."),
    (r"shop is uninstalled", "The app is uninstalled from this store."),
    (r"not available in this version|^no \w+ flow", "This sync is not available in this version of the app."),
    (r"^GraphQLError\b",
     "Shopify refused a request of this sync. We will try again at the next sync; if it keeps failing, contact "
     "support with the details below."),
))
UNKNOWN_ERROR = ("The sync did not finish. We will try again at the next sync; if it keeps failing, contact support "
                 "with the details below.")


def error_in_words(error: str | None) -> str | None:
    """What went wrong, for the merchant, with the next step; None when nothing did."""
    if not error:
        return None
    for pattern, text in ERRORS:
        if pattern.search(error):
            return text
    return UNKNOWN_ERROR


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# Count key -> phrase for n. Keys not listed (internal bookkeeping) are left out of the summary.
COUNT_PHRASES = {
    "products": lambda n: f"{plural(n, 'product')} downloaded",
    "variants": lambda n: plural(n, "variant"),
    "marked_deleted": lambda n: f"{plural(n, 'product')} deleted in Shopify",
    "orders": lambda n: f"{plural(n, 'order')} downloaded",
    "lines": lambda n: plural(n, "order line"),
    "placeholder_lines": lambda n: (f"{plural(n, 'order line')} for products not downloaded yet (they fill in "
                                    "when the products arrive)"),
    "orders_unchanged": lambda n: f"{plural(n, 'order')} already up to date",
    "orders_failed": lambda n: f"{plural(n, 'order')} could not be saved (listed below; the others went on)",
    "reconcile_missing": lambda n: f"{plural(n, 'missing order')} found and downloaded",
    "reconcile_stale": lambda n: f"{plural(n, 'outdated order')} downloaded again",
    "reconcile_still_wrong": lambda n: f"{plural(n, 'order')} still differing from Shopify",
    "pushed": lambda n: f"{plural(n, 'stock level')} sent to Shopify",
    "rejected": lambda n: f"{plural(n, 'stock level')} Shopify refused",
    "stale_deferred": lambda n: f"{plural(n, 'stock level')} changed in Shopify meanwhile, sent at the next sync",
    "corrected": lambda n: f"{plural(n, 'stock level')} corrected",
    "refund_refunded": lambda n: f"{plural(n, 'refund')} made in Shopify",
    "refund_failed": lambda n: f"{plural(n, 'refund')} Shopify refused",
    "refund_errors": lambda n: f"{plural(n, 'refund')} to try again (Shopify did not answer)",
    "new_product_type": lambda n: f"{plural(n, 'new product type')} to map",
    "new_sales_channel": lambda n: f"{plural(n, 'new sales channel')} to map",
    "new_payment_method": lambda n: f"{plural(n, 'new payment method')} to map",
    "new_shipping_method": lambda n: f"{plural(n, 'new shipping method')} to map",
}


# Keys whose meaning depends on the flow.
FLOW_PHRASES = {
    "locations": {
        "created": lambda n: plural(n, "new location"),
        "deleted": lambda n: f"{plural(n, 'location')} removed in Shopify",
    },
    "fulfillments": {
        "fulfilled": lambda n: f"{plural(n, 'fulfillment')} sent to Shopify",
        "failed": lambda n: f"{plural(n, 'fulfillment')} Shopify refused",
        "errors": lambda n: f"{plural(n, 'fulfillment')} to try again (Shopify did not answer)",
    },
}


def counts_summary(counts: dict | None, flow: str | None = None) -> str:
    """A run's counts as a sentence ("1,000 orders downloaded, 4,000 order lines"), the
    internal ones left out; "" when there is nothing to say."""
    phrases = []
    for key, phrase in {**COUNT_PHRASES, **FLOW_PHRASES.get(flow or "", {})}.items():
        n = (counts or {}).get(key)
        if isinstance(n, int) and not isinstance(n, bool) and n > 0:
            phrases.append(phrase(n))
    return ", ".join(phrases)


BULK_STATES = {
    "created": "Shopify is preparing the download",
    "running": "Shopify is preparing the download",
    "completed": "Shopify has the download ready",
    "canceling": "Stopping the download",
    "canceled": "The download was stopped",
    "failed": "Shopify could not prepare the download",
    "expired": "The download expired in Shopify; starting again",
}


def progress_summary(progress: dict | None) -> str:
    """What a running sync is doing, in words ("Shopify is preparing the download: 3,160
    records so far"); "" when it has not said yet."""
    progress = progress or {}
    parts = []
    state = BULK_STATES.get(str(progress.get("bulk_status") or "").lower())
    objects = progress.get("objects")
    bulk_objects = progress.get("bulk_objects")
    if state and isinstance(bulk_objects, int) and objects is None:
        parts.append(f"{state}: {plural(bulk_objects, 'record')} so far")
    elif state:
        parts.append(state)
    if isinstance(objects, int):
        total = bulk_objects if isinstance(bulk_objects, int) and bulk_objects >= objects else None
        parts.append(f"{objects:,} of {total:,} records saved" if total else f"{plural(objects, 'record')} saved")
    done, total = progress.get("done_batches"), progress.get("total_batches")
    if isinstance(total, int) and total > 0 and isinstance(done, int):
        parts.append(f"{done:,} of {total:,} batches of stock levels sent")
    if isinstance(progress.get("changed"), int):
        parts.append(f"{plural(progress['changed'], 'change')} to download")
    return "; ".join(parts)
