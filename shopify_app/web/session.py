"""Who is calling: App Bridge session tokens on embedded requests."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from ..models import Shop
from ..shopify.session_token import InvalidSessionToken, bearer_token, decode_session_token
from ..sync.shop import find_shop
from ..sync.shop_gate import is_inactive
from .errors import json_error

RETRY_HEADER = {"X-Shopify-Retry-Invalid-Session-Request": "1"}
INACTIVE_ERROR = ("this connection is inactive: the OMS operator switched it off; nothing syncs "
                  "and nothing can be run or changed until it is activated again")


def verify_session_token(token: str):
    cfg = current_app.config
    return decode_session_token(token, cfg["SHOPIFY_API_KEY"], cfg["SHOPIFY_API_SECRET"])


def session_token_required(view):
    """For JSON calls: `Authorization: Bearer <session token>` of an installed, active shop
    (an inactive one: 403, with words for the merchant).

    Sets g.shop and g.session_token. Any failure is 401 with the header that
    tells App Bridge to fetch a new token and retry.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            return json_error(401, "missing session token", RETRY_HEADER)
        try:
            session_token = verify_session_token(token)
        except InvalidSessionToken as exc:
            return json_error(401, f"invalid session token: {exc}", RETRY_HEADER)
        shop: Shop | None = find_shop(session_token.shop)
        if is_inactive(shop):  # a clear refusal, not a 401: a new session token would not help
            return json_error(403, INACTIVE_ERROR)
        if shop is None or not shop.is_active:
            return json_error(401, "the app is not installed on this shop", RETRY_HEADER)
        g.shop = shop
        g.session_token = session_token
        return view(*args, **kwargs)

    return wrapper

