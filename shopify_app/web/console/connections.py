"""Find Shopify connections (`GET /console/`) and its quick actions: favorite, deactivate, activate.

Each action is a POST form (CSRF-checked by the blueprint) that works without JavaScript:
it changes one thing, records it in the audit log in the same transaction, and goes back
to the list it came from with a message."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from sqlalchemy import delete, select

from ...extensions import db
from ...models import OperatorFavorite, Shop
from ...product_stores import list_stores
from ...sync.activation import ActivationError, activate_shop, deactivate_shop
from .auth import current_operator, record, requires, safe_next
from .connections_query import STATUS_LABELS, STATUSES, BadListQuery, find_connections, parse_list_query


@requires("staff")
def connections():
    try:
        query = parse_list_query(request.args)
    except BadListQuery as exc:
        abort(400, str(exc).capitalize() + ".")
    page = find_connections(query, current_operator().id)
    return render_template("console/connections.html", page=page, query=query, stores=list_stores(),
                           statuses=STATUSES, status_labels=STATUS_LABELS, here=request.full_path)


def shop_or_404(domain: str) -> Shop:
    shop = db.session.execute(select(Shop).where(Shop.domain == domain.strip().lower())).scalar_one_or_none()
    if shop is None:
        abort(404, f"No shop {domain} is connected.")
    return shop


def back():
    return redirect(safe_next(request.form.get("next")), 303)


def shop_label(shop: Shop) -> str:
    return f"{shop.name} ({shop.domain})" if shop.name else shop.domain


@requires("staff")
def favorite(domain: str):
    shop = shop_or_404(domain)
    operator = current_operator()
    if db.session.get(OperatorFavorite, (operator.id, shop.id)) is None:
        db.session.add(OperatorFavorite(operator_id=operator.id, shop_id=shop.id))
        record("shop.favorite", shop=shop, before={"favorite": False}, after={"favorite": True})
        db.session.commit()
    flash(f"{shop_label(shop)} is one of your favorites.", "success")
    return back()


@requires("staff")
def unfavorite(domain: str):
    shop = shop_or_404(domain)
    operator = current_operator()
    removed = db.session.execute(delete(OperatorFavorite).where(
        OperatorFavorite.operator_id == operator.id, OperatorFavorite.shop_id == shop.id)).rowcount
    if removed:
        record("shop.unfavorite", shop=shop, before={"favorite": True}, after={"favorite": False})
    db.session.commit()
    flash(f"{shop_label(shop)} is no longer one of your favorites.", "success")
    return back()


def switch(domain: str, change, action: str, done: str):
    shop = shop_or_404(domain)
    before = shop.status
    try:
        changed = change(shop)
    except ActivationError as exc:
        db.session.rollback()
        flash(str(exc)[:1].upper() + str(exc)[1:] + ".", "critical")
        return back()
    if changed:
        record(action, shop=shop, before={"status": before}, after={"status": shop.status})
    db.session.commit()
    flash(f"{shop_label(shop)} {done if changed else 'was ' + shop.status + ' already'}.", "success")
    return back()


# Both roles may switch a connection off and on: the issue keeps credentials, refunds and
# keys to super users, and deactivating is the first thing on-call staff reach for.
@requires("staff")
def deactivate(domain: str):
    return switch(domain, deactivate_shop, "shop.deactivate",
                  "is inactive: no call to Shopify and no job until it is activated")


@requires("staff")
def activate(domain: str):
    return switch(domain, activate_shop, "shop.activate", "is active again and catches up")
