"""Switching a connection off and on (the operator's deactivate / activate).

An inactive shop makes no call to Shopify and gets no job; its webhooks are
acknowledged and kept. Activating it catches every flow up."""
from __future__ import annotations

from ..models import Shop, ShopStatus


class ActivationError(ValueError):
    """The shop cannot change to the state asked for, in words for the operator."""


def deactivate_shop(shop: Shop) -> bool:
    """Switch the shop off (the caller commits): True when it changed."""
    if shop.status == ShopStatus.UNINSTALLED.value:
        raise ActivationError(f"{shop.domain} is uninstalled: there is nothing to deactivate")
    if shop.status == ShopStatus.INACTIVE.value:
        return False
    shop.status = ShopStatus.INACTIVE.value
    return True


def activate_shop(shop: Shop) -> bool:
    """Switch the shop on again (the caller commits): True when it changed."""
    if shop.status == ShopStatus.UNINSTALLED.value:
        raise ActivationError(f"{shop.domain} is uninstalled: the merchant must install the app again")
    if shop.status == ShopStatus.ACTIVE.value:
        return False
    shop.status = ShopStatus.ACTIVE.value
    return True
