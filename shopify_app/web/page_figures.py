"""Pure figures the merchant's pages show: orders per day in the shop's time zone, and a
run's progress as `done` of `total`. No I/O: tested on their own."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_DAYS = 90


def shop_zone(name: str | None):
    """The shop's IANA zone (Shopify's `ianaTimezone`); UTC when unknown or unreadable."""
    if not name:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def daily_counts(moments: list[datetime], zone_name: str | None, days: int, now: datetime) -> list[dict]:
    """[{"day": "YYYY-MM-DD", "count"}] for the `days` days ending today in the shop's zone,
    oldest first, every day present (a day with none counts 0)."""
    zone = shop_zone(zone_name)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    counts: dict[date, int] = {first + timedelta(days=i): 0 for i in range(days)}
    for moment in moments:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        day = aware.astimezone(zone).date()
        if day in counts:
            counts[day] += 1
    return [{"day": day.isoformat(), "count": count} for day, count in counts.items()]


def window_start(zone_name: str | None, days: int, now: datetime) -> datetime:
    """The UTC moment the first of those days starts (what to select from)."""
    zone = shop_zone(zone_name)
    first = now.astimezone(zone).date() - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=zone).astimezone(timezone.utc)


def done_of_total(progress: dict | None) -> dict:
    """`done` and `total` of a running run from what its flow reports: a download's lines
    read of the objects Shopify counted, or a push's batches. `total` is None while Shopify
    is still preparing (nothing to read yet) or the flow does not know it."""
    p = progress if isinstance(progress, dict) else {}

    def number(key):
        value = p.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    if number("total_batches") is not None:
        return {"done": number("done_batches") or 0, "total": number("total_batches")}
    done = number("objects") or 0
    counted = number("bulk_objects")
    preparing = p.get("bulk_status") in ("created", "running") and not done
    if counted is None or preparing:
        return {"done": done, "total": None}
    return {"done": done, "total": max(counted, done)}
