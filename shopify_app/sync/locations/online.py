"""Turning off "fulfil online orders" for a location in Shopify (`locationEdit`), the
merchant's confirmed way out of online stock counted twice at a location that is not the
default. The mutation is sent once; when its answer is lost, the location is read and
Shopify's state decides (never a blind resend)."""
from __future__ import annotations

from ...extensions import db
from ...models import Location, Shop
from ...shopify.access import AccessLevel
from ...shopify.documents import load_document
from ...shopify.graphql_client import GraphQLError, OutcomeUnknown
from ..connection import client_for, denied_as_not_permitted
from .mapping import NO_ANSWER, NOT_GRANTED, NOT_NOW, SHOPIFY_REFUSED, UNKNOWN, LocationError
from .store import upsert_location


# What the merchant is told when the app may not edit locations, or Shopify did not answer.
NO_PERMISSION_WORDS = ("The app may not edit locations in this store yet. Open the app from Shopify admin and "
                       "approve the permission to edit locations, then try again.")
NO_ANSWER_WORDS = ("Shopify did not answer. Nothing was changed as far as we know; look at the location in Shopify "
                   "admin, then try again.")


def access_denied(errors: list | None) -> bool:
    return any(isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "ACCESS_DENIED"
               for e in errors or [])


@denied_as_not_permitted()
def stop_online_selling(shop: Shop, loc: Location) -> Location:
    """Make `loc` stop fulfilling online orders in Shopify and store what Shopify says.
    Raises LocationError (in the merchant's words); NotPermitted (AccessDenied as
    client_for raises it) and NeedsReauthentication."""
    if loc.deleted or not loc.active:
        raise LocationError(NOT_NOW, f"{loc.name} is not an active location in Shopify")
    if loc.is_default:
        raise LocationError(NOT_NOW, f"{loc.name} is the default location: it takes the online orders. "
                            "Choose another default first.")
    if not loc.fulfills_online_orders:
        return loc  # already so: nothing to send
    client = client_for(shop, min_level=AccessLevel.READ_WRITE)
    db.session.commit()  # no write transaction held across Shopify's calls
    variables = {"id": loc.shopify_id, "input": {"fulfillsOnlineOrders": False}}
    try:
        try:
            # The whole response: a field refused for a missing scope answers null beside its error.
            response = client.execute_document(load_document("location_edit"), variables, cache_key="location_edit")
            payload = response.data.get("locationEdit")
            if payload is None:
                if access_denied(response.errors):
                    raise LocationError(NOT_GRANTED, NO_PERMISSION_WORDS)
                raise LocationError(NO_ANSWER, NO_ANSWER_WORDS)
        except OutcomeUnknown:
            # Did it land? Read the location and let Shopify's state decide.
            node = client.execute("location_one", {"id": loc.shopify_id}).get("location")
            payload = {"location": node, "userErrors": []}
    except GraphQLError as exc:
        if access_denied(exc.errors):
            raise LocationError(NOT_GRANTED, NO_PERMISSION_WORDS) from exc
        raise LocationError(NO_ANSWER, NO_ANSWER_WORDS) from exc
    errors = payload.get("userErrors") or []
    if errors:
        raise LocationError(SHOPIFY_REFUSED,
                            "Shopify refused: " + "; ".join(e.get("message") or str(e.get("code")) for e in errors))
    node = payload.get("location")
    if not node:
        raise LocationError(UNKNOWN, f"Shopify no longer knows {loc.name}; import the locations again.")
    upsert_location(shop, node)
    db.session.commit()
    if loc.fulfills_online_orders:
        raise LocationError(NO_ANSWER, "Shopify did not confirm the change; look at the location in Shopify admin, "
                            "then try again.")
    return loc
