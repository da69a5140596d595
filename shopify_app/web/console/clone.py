"""Clone settings from another shop (super users): pick the source and the parts, see a
preview of every value that will be overwritten (before -> after), confirm. The
confirmation carries the preview's fingerprint: if either shop changed meanwhile, nothing
is applied and the operator sees the new preview."""
from __future__ import annotations

from flask import abort, flash, render_template, request

from ...extensions import db
from ...sync.clone_plan import PART_LABELS, PARTS, fingerprint, parse_parts
from ...sync.mappings.changes import MappingError
from ...sync.settings_clone import CloneError, apply_clone, preview
from ...sync.shop import find_shop
from .auth import record, requires
from .connections import shop_or_404
from .shop_detail import back_to


def chosen():
    """(source shop, parts) from the form, or an error message."""
    source_domain = request.form.get("source", "").strip().lower()
    source = find_shop(source_domain) if source_domain else None
    if source is None:
        return None, [], f"No connected shop is named {source_domain!r}." if source_domain else "Give the shop to clone from."
    try:
        parts = parse_parts(request.form.getlist("parts"))
    except ValueError as exc:
        return source, [], str(exc).capitalize() + "."
    return source, parts, None


def render_form(shop, *, source=None, parts=(), error=None, changes=None, status=200):
    return render_template("console/clone.html", shop=shop, source=source, parts=list(parts), error=error,
                           changes=changes, all_parts=PARTS, part_labels=PART_LABELS,
                           plan_id=fingerprint(changes) if changes is not None else None), status


@requires("super_user")
def clone_settings(domain: str):
    shop = shop_or_404(domain)
    if request.method == "GET":
        return render_form(shop, parts=PARTS)
    source, parts, error = chosen()
    if error:
        return render_form(shop, source=source, parts=parts, error=error, status=422)
    try:
        changes = preview(source, shop, parts)
    except CloneError as exc:
        return render_form(shop, source=source, parts=parts, error=str(exc).capitalize() + ".", status=422)
    return render_form(shop, source=source, parts=parts, changes=changes)


@requires("super_user")
def clone_confirm(domain: str):
    shop = shop_or_404(domain)
    source, parts, error = chosen()
    if error:
        abort(400, error)
    try:
        planned = preview(source, shop, parts)
        if fingerprint(planned) != request.form.get("plan", ""):
            return render_form(shop, source=source, parts=parts, changes=planned, status=409,
                               error="The settings changed since the preview: nothing was applied. "
                                     "Review the changes below and confirm again.")
        applied = apply_clone(source, shop, parts)
    except (CloneError, MappingError) as exc:
        db.session.rollback()
        return render_form(shop, source=source, parts=parts, error=f"Nothing more was applied: {exc}.", status=422)
    if applied:
        record("settings.clone", shop=shop,
               before={"source": source.domain, "parts": parts, "values": [[c.part, c.key, c.before] for c in applied]},
               after={"source": source.domain, "parts": parts, "values": [[c.part, c.key, c.after] for c in applied]})
        db.session.commit()
    flash(f"{len(applied)} value{'s' if len(applied) != 1 else ''} cloned from {source.domain}.", "success")
    return back_to(shop, "settings")
