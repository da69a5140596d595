"""A connection's settings that only super users change (staff: 403, checked here per
action): upload refunds to Shopify, access level, product store; refresh the scopes and
the token now. Each is a POST form from the connection page, audited before -> after."""
from __future__ import annotations

from flask import abort, flash, request

from ...extensions import db
from ...product_stores import ProductStoreError, link_shop, store_by_id, unlink_shop
from ...shopify.access import parse_level
from ...sync.connection_actions import ConnectionActionError, refresh_scopes, refresh_token_now
from ...sync.shop import set_access_level
from .auth import record, requires
from .connections import shop_or_404
from .shop_detail import back_to


@requires("super_user")
def set_upload_refunds(domain: str):
    shop = shop_or_404(domain)
    wanted = request.form.get("upload_refunds")
    if wanted not in ("on", "off"):
        abort(400, "Choose on or off for uploading refunds.")
    before = bool((shop.settings or {}).get("upload_refunds"))
    after = wanted == "on"
    if before != after:
        shop.settings = {**(shop.settings or {}), "upload_refunds": after}
        record("shop.upload_refunds", shop=shop, before={"upload_refunds": before}, after={"upload_refunds": after})
        db.session.commit()
    flash(f"Refunds are {'uploaded to Shopify' if after else 'not uploaded to Shopify'} for this shop.", "success")
    return back_to(shop, "settings")


@requires("super_user")
def set_access(domain: str):
    shop = shop_or_404(domain)
    before = shop.access_level
    try:
        set_access_level(shop, parse_level(request.form.get("access", "")))
    except ValueError as exc:
        db.session.rollback()
        flash(f"The access level was not changed: {exc}.", "critical")
        return back_to(shop, "settings")
    if shop.access_level != before:
        record("shop.access_level", shop=shop, before={"access_level": before}, after={"access_level": shop.access_level})
    db.session.commit()
    flash(f"The access level is {shop.access_level}.", "success")
    return back_to(shop, "settings")


@requires("super_user")
def set_product_store(domain: str):
    shop = shop_or_404(domain)
    before = shop.product_store.name if shop.product_store else None
    choice = request.form.get("product_store", "").strip()
    try:
        if choice:
            if not choice.isdigit():
                raise ProductStoreError("choose a product store from the list")
            link_shop(store_by_id(int(choice)), shop)
        else:
            unlink_shop(shop)
    except ProductStoreError as exc:
        db.session.rollback()
        flash(f"The product store was not changed: {exc}.", "critical")
        return back_to(shop, "settings")
    after = shop.product_store.name if shop.product_store else None
    if after != before:
        record("shop.product_store", shop=shop, before={"product_store": before}, after={"product_store": after})
    db.session.commit()
    flash(f"{shop.domain} is under product store {after}." if after else f"{shop.domain} is under no product store.",
          "success")
    return back_to(shop, "settings")


@requires("super_user")
def scopes_refresh(domain: str):
    shop = shop_or_404(domain)
    level_before = shop.access_level
    try:
        before, after = refresh_scopes(shop)  # asks Shopify before anything is written
    except ConnectionActionError as exc:
        db.session.rollback()
        flash(f"The scopes were not refreshed: {exc}.", "critical")
        return back_to(shop, "summary")
    if before != after or level_before != shop.access_level:
        record("shop.refresh_scopes", shop=shop, before={"scopes": before, "access_level": level_before},
               after={"scopes": after, "access_level": shop.access_level})
    db.session.commit()
    flash(f"Shopify grants {', '.join(after) or 'no scope'}; the access level is {shop.access_level}.", "success")
    return back_to(shop, "summary")


@requires("super_user")
def token_refresh(domain: str):
    shop = shop_or_404(domain)
    before = shop.access_token_expires_at
    try:
        expires_at = refresh_token_now(shop)
    except ConnectionActionError as exc:
        db.session.rollback()
        flash(f"The token was not refreshed: {exc}.", "critical")
        return back_to(shop, "summary")
    shop = shop_or_404(domain)
    record("shop.refresh_access", shop=shop, before={"expires_at": before.isoformat() if before else None},
           after={"expires_at": expires_at.isoformat() if expires_at else None})
    db.session.commit()
    flash("A new access token was issued by Shopify" + (f"; it expires {expires_at:%Y-%m-%d %H:%M} UTC." if expires_at else "."),
          "success")
    return back_to(shop, "summary")
