"""Personal data kept only for a while: dead-letter payloads and compliance exports.

A delivery that was never applied keeps its payload in the ledger so that it can be
retried, or applied when its inactive shop is activated (`held`); a data request's
export stays for the merchant to download. All carry customers' personal data, and all
are erased DATA_RETENTION_DAYS after they came (default 30). The clock enqueues the
purge about hourly.

A held delivery whose payload is erased is no longer held (`ignored`, as app/uninstalled
drops them): there is nothing left to apply, and the activation's catch-up runs read the
changes from Shopify from where each flow stopped, with or without a webhook.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import null, select, update

from ..extensions import db
from ..models import ComplianceRequest, WebhookDelivery
from .privacy import purge_export
from .shop_gate import HELD

DEFAULT_RETENTION_DAYS = 30
EXPIRED_NOTE = "payload purged after the retention period"


def retention_cutoff(now: datetime, days: int) -> datetime:
    """What came before this moment is past its retention."""
    return now - timedelta(days=max(0, days))


def purge_expired(days: int = DEFAULT_RETENTION_DAYS, now: datetime | None = None) -> dict[str, int]:
    """Erase ledger payloads and data request exports older than `days`; returns the counts."""
    cutoff = retention_cutoff(now or datetime.now(timezone.utc), days)
    expired = (WebhookDelivery.payload.is_not(None), WebhookDelivery.received_at < cutoff)
    payloads = db.session.execute(
        update(WebhookDelivery)
        # Only deliveries never applied keep a payload; one being applied now ("retrying") waits.
        .where(WebhookDelivery.status.in_(("failed", "received")), *expired)
        # SQL NULL, not JSON null, so that the row no longer counts as holding a payload.
        .values(payload=null(), error=EXPIRED_NOTE)
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    payloads += db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == HELD, *expired)
        # No longer held: the activation would apply an empty payload.
        .values(status="ignored", payload=null(), error=EXPIRED_NOTE)
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    exports = 0
    for record in db.session.execute(select(ComplianceRequest).where(
            ComplianceRequest.topic == "customers/data_request", ComplianceRequest.purged_at.is_(None),
            ComplianceRequest.received_at < cutoff)).scalars():
        purge_export(record, now)
        exports += 1
    db.session.commit()
    return {"webhook_payloads": payloads, "data_request_exports": exports}
