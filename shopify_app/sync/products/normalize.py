"""A Shopify product as our rows, whichever shape it arrives in (pure).

Two shapes carry a product: a GraphQL `Product` node (pages, bulk JSONL lines) and a
`products/create|update` webhook's REST payload. Each shape has its reader here, and
both readers end in the same row builders (`_product_row`, `_variant_row`): what a row
holds, and how a value is cleaned on its way in, is written once.

`types` is the shop's product-type mapping: product type -> (OMS type, unmapped?).
"""
from __future__ import annotations

from collections.abc import Callable

from ...shopify.gids import gid
from ...shopify.times import parse_time

TypeLookup = Callable[[str | None], tuple[str | None, bool]]

# REST weight units as GraphQL's WeightUnit names them
REST_WEIGHT_UNITS = {"kg": "KILOGRAMS", "g": "GRAMS", "lb": "POUNDS", "oz": "OUNCES"}


# --- the rows, written once ---------------------------------------------------------

def _product_row(shop_id: int, types: TypeLookup, *, shopify_id: str, title, handle, description, vendor,
                 product_type, tags: list, status, options, images: list, updated_at) -> dict:
    oms_type, unmapped = types(product_type)
    return {
        "shop_id": shop_id,
        "shopify_id": shopify_id,
        "title": title,
        "handle": handle,
        "description": description,
        "vendor": vendor,
        "product_type": product_type or None,
        "oms_product_type": oms_type,
        "product_type_unmapped": unmapped,
        "tags": tags,
        "status": status,
        "options": [
            {"name": o.get("name"), "position": o.get("position"), "values": o.get("values") or []}
            for o in options or []
        ],
        "images": images,
        "shopify_updated_at": parse_time(updated_at),
        "deleted_at": None,
        "is_placeholder": False,
    }


def _variant_row(shop_id: int, product_gid: str, *, shopify_id: str, title, sku, barcode, price, weight,
                 weight_unit, inventory_item_id, selected_options: list[dict], position, updated_at) -> dict:
    return {
        "shop_id": shop_id,
        "shopify_id": shopify_id,
        "product_shopify_id": product_gid,
        "title": title,
        "sku": sku or None,
        "barcode": barcode or None,
        "price": None if price is None else str(price),
        "weight": None if weight is None else str(weight),
        "weight_unit": weight_unit,
        "inventory_item_id": inventory_item_id,
        "selected_options": selected_options,
        "position": position,
        "shopify_updated_at": parse_time(updated_at),
        "deleted_at": None,
        "is_placeholder": False,
    }


# --- GraphQL nodes ------------------------------------------------------------------

def image_from_node(node: dict) -> dict | None:
    """A `MediaImage` node (or a bulk line of one) as a stored image; None without a URL."""
    image = node.get("image") if "image" in node else node
    if not image or not image.get("url"):
        return None
    return {"id": node.get("id"), "url": image.get("url"), "alt": image.get("altText")}


def images_from_media(node: dict) -> list[dict]:
    """A page's product node: its `media` connection as stored images."""
    return [i for i in (image_from_node(m) for m in (node.get("media") or {}).get("nodes") or [] if m) if i]


def product_from_node(shop_id: int, node: dict, types: TypeLookup, *, images: list | None) -> dict:
    return _product_row(
        shop_id, types,
        shopify_id=node["id"],
        title=node.get("title"),
        handle=node.get("handle"),
        description=node.get("description"),
        vendor=node.get("vendor"),
        product_type=node.get("productType"),
        tags=list(node.get("tags") or []),
        status=node.get("status"),
        options=node.get("options"),
        images=images if images is not None else [],
        updated_at=node.get("updatedAt"),
    )


def variant_from_node(shop_id: int, node: dict, product_gid: str) -> dict:
    item = node.get("inventoryItem") or {}
    weight = ((item.get("measurement") or {}).get("weight")) or {}
    return _variant_row(
        shop_id, product_gid,
        shopify_id=node["id"],
        title=node.get("title"),
        sku=node.get("sku"),
        barcode=node.get("barcode"),
        price=node.get("price"),
        weight=weight.get("value"),
        weight_unit=weight.get("unit"),
        inventory_item_id=item.get("id"),
        selected_options=[{"name": o.get("name"), "value": o.get("value")} for o in node.get("selectedOptions") or []],
        position=node.get("position"),
        updated_at=node.get("updatedAt"),
    )


# --- webhook REST payloads ------------------------------------------------------------

def product_gid_of(payload: dict) -> str:
    return payload.get("admin_graphql_api_id") or gid("Product", payload["id"])


def _rest_tags(tags) -> list[str]:
    if isinstance(tags, str):  # REST sends one comma-separated string
        return [t.strip() for t in tags.split(",") if t.strip()]
    return list(tags)


def _rest_images(payload: dict) -> list[dict]:
    return [
        {"id": i.get("admin_graphql_api_id") or (gid("ProductImage", i["id"]) if i.get("id") else None),
         "url": i.get("src"), "alt": i.get("alt")}
        for i in payload.get("images") or [] if i.get("src")
    ]


def _rest_selected_options(variant: dict, option_names: list) -> list[dict]:
    """REST gives a variant's option values as option1..option3, named by the product's options."""
    selected = []
    for n in (1, 2, 3):
        value = variant.get(f"option{n}")
        if value is not None:
            name = option_names[n - 1] if n - 1 < len(option_names) else f"Option{n}"
            selected.append({"name": name, "value": value})
    return selected


def _variant_from_rest(shop_id: int, v: dict, product_gid: str, option_names: list) -> dict:
    weight = v.get("weight")
    return _variant_row(
        shop_id, product_gid,
        shopify_id=v.get("admin_graphql_api_id") or gid("ProductVariant", v["id"]),
        title=v.get("title"),
        sku=v.get("sku"),
        barcode=v.get("barcode"),
        price=v.get("price"),
        weight=weight,
        weight_unit=None if weight is None else REST_WEIGHT_UNITS.get(v.get("weight_unit") or "", v.get("weight_unit")),
        inventory_item_id=gid("InventoryItem", v["inventory_item_id"]) if v.get("inventory_item_id") else None,
        selected_options=_rest_selected_options(v, option_names),
        position=v.get("position"),
        # a variant edit bumps the product's updated_at: the product's version covers it
        updated_at=v.get("updated_at"),
    )


def product_from_rest(shop_id: int, payload: dict, types: TypeLookup) -> tuple[dict, list[dict] | None]:
    """A products/create|update payload as (product row, variant rows); the variants are
    None when the payload carries none (they are then left as they are)."""
    product_gid = product_gid_of(payload)
    row = _product_row(
        shop_id, types,
        shopify_id=product_gid,
        title=payload.get("title"),
        handle=payload.get("handle"),
        description=payload.get("body_html"),
        vendor=payload.get("vendor"),
        product_type=payload.get("product_type"),
        tags=_rest_tags(payload.get("tags") or ""),
        status=(payload.get("status") or "").upper() or None,
        options=payload.get("options"),
        images=_rest_images(payload),
        updated_at=payload.get("updated_at"),
    )
    if "variants" not in payload:
        return row, None
    option_names = [o.get("name") for o in payload.get("options") or []]
    return row, [_variant_from_rest(shop_id, v, product_gid, option_names) for v in payload.get("variants") or []]
