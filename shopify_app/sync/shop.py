"""The shop's lifecycle: install and reinstall, summary, access level, uninstall."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select

from ..extensions import db
from ..models import FlowState, Shop, ShopStatus
from ..shopify.access import AccessDenied, AccessLevel, clamp_level, max_level_for_scopes
from ..shopify.graphql_client import GraphQLError
from ..shopify.oauth import TokenSet
from .connection import NeedsReauthentication, client_for, erase_tokens, store_tokens

log = logging.getLogger(__name__)


def find_shop(domain: str) -> Shop | None:
    return db.session.execute(select(Shop).where(Shop.domain == domain)).scalar_one_or_none()


def shop_taking(domain: str, flow: str) -> Shop | None:
    """The shop a download flow's delivery is for, when that flow's records may come in
    for it now; None when the shop is unknown, uninstalled, inactive, at access none, or
    has switched the flow off."""
    shop = find_shop(domain)
    if shop is None or not shop.is_active or not AccessLevel(shop.access_level).allows(AccessLevel.READ):
        return None
    switched_off = db.session.execute(
        select(FlowState.id).where(FlowState.shop_id == shop.id, FlowState.flow == flow, FlowState.enabled.is_(False))
    ).first()
    return None if switched_off else shop


def install_shop(domain: str, tokens: TokenSet) -> Shop:
    """Create the shop record, or bring an uninstalled one back to life, with fresh tokens."""
    now = datetime.now(timezone.utc)
    shop = find_shop(domain)
    reinstalled = shop is None or shop.status == ShopStatus.UNINSTALLED.value
    if shop is None:
        shop = Shop(domain=domain, settings={})
        db.session.add(shop)
    store_tokens(shop, tokens, now)
    if reinstalled:
        shop.status = ShopStatus.ACTIVE.value
        shop.installed_at = now
        shop.uninstalled_at = None
        shop.access_level = max_level_for_scopes(shop.scopes).value
        shop.settings = {k: v for k, v in (shop.settings or {}).items() if k != "access_chosen"}
    else:
        shop.access_level = follow_scopes(shop).value
    db.session.commit()
    if reinstalled or shop.summary_fetched_at is None:
        refresh_summary(shop)
    return shop


def follow_scopes(shop: Shop) -> AccessLevel:
    """The level after the scopes changed: the merchant's choice, clamped; else the most allowed."""
    if (shop.settings or {}).get("access_chosen"):
        return clamp_level(AccessLevel(shop.access_level), shop.scopes)
    return max_level_for_scopes(shop.scopes)


def refresh_summary(shop: Shop) -> bool:
    """Fetch the shop's name, owner, country... from Shopify. False (and logged) when it cannot."""
    try:
        data = client_for(shop).execute("shop_summary")["shop"]
    except (AccessDenied, NeedsReauthentication, GraphQLError) as exc:
        log.warning("could not fetch the summary of %s: %s", shop.domain, exc)
        return False
    except Exception:  # the page must still render; the error is in the log
        log.exception("could not fetch the summary of %s", shop.domain)
        return False
    apply_summary(shop, data)
    db.session.commit()
    return True


def apply_summary(shop: Shop, data: dict) -> None:
    plan = data.get("plan") or {}
    shop.shopify_id = data.get("id") or shop.shopify_id
    shop.name = data.get("name")
    shop.owner = data.get("shopOwnerName")
    shop.email = data.get("email") or data.get("contactEmail")
    shop.country = (data.get("billingAddress") or {}).get("countryCodeV2")
    shop.currency = data.get("currencyCode")
    shop.weight_unit = data.get("weightUnit")
    shop.timezone = data.get("ianaTimezone")
    shop.plan = plan.get("displayName")
    shop.summary_fetched_at = datetime.now(timezone.utc)


def set_access_level(shop: Shop, wanted: AccessLevel) -> None:
    """The merchant's choice; raises ValueError when the granted scopes do not allow it."""
    ceiling = max_level_for_scopes(shop.scopes)
    if not ceiling.allows(wanted):
        raise ValueError(
            f"access {wanted.value} is above what the granted scopes allow ({ceiling.value})"
        )
    shop.access_level = wanted.value
    shop.settings = {**(shop.settings or {}), "access_chosen": True}


def mark_uninstalled(shop: Shop) -> None:
    """app/uninstalled: tokens erased, access none, jobs stop; data kept until shop/redact."""
    shop.status = ShopStatus.UNINSTALLED.value
    shop.uninstalled_at = datetime.now(timezone.utc)
    shop.access_level = AccessLevel.NONE.value
    shop.needs_reauth = False
    shop.reauth_reason = None
    erase_tokens(shop)


def update_scopes(shop: Shop, scopes: list[str]) -> None:
    """app/scopes_update: the granted scopes changed; the access level follows them."""
    shop.granted_scopes = ",".join(s for s in scopes if s)
    shop.access_level = follow_scopes(shop).value
