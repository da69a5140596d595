"""OMS API keys (`/console/keys`, super users only): every key with its product store
(or marked as an all-stores key made before product stores, to replace), permissions,
created, last used, revoked; create one (shown once, on the answer to the POST, never
cached, never again) and revoke. The audit log names the key, never the key itself."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ... import api_keys
from ...extensions import db
from ...models import PERMISSIONS, ApiKey
from ...product_stores import ProductStoreError, list_stores, store_by_id
from .auth import record, requires

PERMISSION_LABELS = {"read": "Read orders, products, returns", "write_inventory": "Write inventory (ATP)",
                     "write_fulfillments": "Write fulfillments", "write_returns": "Write returns"}


def render_list(**extra):
    stores = list_stores()
    return render_template("console/keys.html", keys=api_keys.list_api_keys(), stores=stores,
                           store_names={s.id: s.name for s in stores}, permissions=PERMISSIONS,
                           permission_labels=PERMISSION_LABELS, **extra)


@requires("super_user")
def keys():
    return render_list()


@requires("super_user")
def key_create():
    name = request.form.get("name", "").strip()
    perms = [p for p in request.form.getlist("permissions")]
    error = None
    store = None
    if not name or len(name) > 255:
        error = "Give the key a name of 1 to 255 characters."
    elif not perms or set(perms) - set(PERMISSIONS):
        error = "Choose at least one permission."
    else:
        try:
            store = store_by_id(int(request.form.get("product_store", ""))) \
                if request.form.get("product_store", "").isdigit() else None
            if store is None:
                raise ProductStoreError("choose the product store whose shops the key sees")
        except ProductStoreError as exc:
            error = str(exc).capitalize() + "."
    if error:
        return render_list(error=error, form=request.form), 422
    record_, key = api_keys.create_api_key(name, product_store=store, permissions=perms)
    record("api_key.create", after={"key_id": record_.id, "name": record_.name,
                                    "product_store": store.name, "permissions": record_.permissions.split()})
    db.session.commit()
    # The key is in this answer only (the blueprint sends Cache-Control: no-store).
    return render_template("console/key_created.html", record=record_, key=key, store=store)


@requires("super_user")
def key_revoke(key_id: int):
    record_ = db.session.get(ApiKey, key_id)
    if record_ is None:
        abort(404, "There is no such API key.")
    if record_.revoked_at is None:
        record("api_key.revoke", before={"key_id": record_.id, "name": record_.name, "revoked": False},
               after={"key_id": record_.id, "name": record_.name, "revoked": True})
        api_keys.revoke_api_key(key_id)  # commits the audit entry with it
    flash(f"API key {record_.name} ({record_.prefix}…) is revoked: it opens nothing any more.", "success")
    return redirect(url_for("console.keys"), 303)
