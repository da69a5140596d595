"""Whether a webhook body has what its topic's body always holds (no I/O).

Shopify signs the body only; the topic header is not signed. A body relabelled with
another topic (a captured products/update sent as shop/redact) lacks the fields its
claimed topic always carries, and is refused here before any handler sees it. The
fields and their types are each topic's `shape` in TOPICS (sync/registry.py): those
the handlers rely on and every real delivery of the topic carries (see
../shared/shopify/webhooks/); a topic without one is not checked.
"""
from __future__ import annotations

from ..registry import TOPICS


def shape_problem(topic: str, payload: dict) -> str | None:
    """Why the body does not fit its topic, or None when it does (or the topic has no shape)."""
    entry = TOPICS.get(topic)
    shape = entry.shape if entry is not None else None
    if shape is None:
        return None
    missing = [name for name in shape if payload.get(name) is None]
    if missing:
        return f"a {topic} body always has {', '.join(missing)}"
    wrong = [name for name, kind in shape.items()
             if isinstance(payload[name], bool) or not isinstance(payload[name], kind)]
    if wrong:
        return f"a {topic} body has {', '.join(wrong)} of another type"
    return None
