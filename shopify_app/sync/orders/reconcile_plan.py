"""The daily reconciliation's decisions (pure): the days it compares, which day needs
its orders looked at, and which of Shopify's orders we lack or hold an older version of."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from ...shopify.times import parse_time, search_time
from .filter import wanted_new


@dataclass
class DayCheck:
    day: date
    shopify_created: int
    held_created: int
    shopify_updated: int
    held_updated: int

    @property
    def differs(self) -> bool:
        """Shopify counts more orders created that day than we hold (the import filter
        may keep ours lower, never higher), or another number updated that day."""
        return self.shopify_created > self.held_created or self.shopify_updated != self.held_updated

    def as_json(self) -> dict:
        return {"day": self.day.isoformat(), "shopify_created": self.shopify_created,
                "held_created": self.held_created, "shopify_updated": self.shopify_updated,
                "held_updated": self.held_updated, "compared": self.differs}


@dataclass
class Repair:
    missing: list[dict] = field(default_factory=list)  # version nodes of orders we lack and want
    stale: list[dict] = field(default_factory=list)  # version nodes newer than the version we hold


def days_back(today: date, n: int) -> list[date]:
    """The last `n` days, today first."""
    return [today - timedelta(days=back) for back in range(n)]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def day_search(field_name: str, day: date) -> str:
    start, end = day_bounds(day)
    return f"{field_name}:>='{search_time(start)}' AND {field_name}:<'{search_time(end)}'"


def filter_row(node: dict) -> dict:
    """What the import filter reads, from a version node."""
    return {"cancelled_at": node.get("cancelledAt"), "closed": node.get("closed"),
            "fulfillment_status": node.get("displayFulfillmentStatus"),
            "shopify_created_at": parse_time(node.get("createdAt"))}


def compare(nodes: list[dict], held: dict[str, datetime | None], settings: dict | None) -> Repair:
    """Shopify's version nodes against our stored versions: an order we lack is missing
    when the import filter wants it; one we hold is stale when Shopify's is newer."""
    repair = Repair()
    for node in nodes:
        theirs = parse_time(node.get("updatedAt"))
        if node["id"] not in held:
            if wanted_new(filter_row(node), settings):
                repair.missing.append(node)
        else:
            ours = held[node["id"]]
            if theirs is not None and (ours is None or ours < theirs):
                repair.stale.append(node)
    return repair
