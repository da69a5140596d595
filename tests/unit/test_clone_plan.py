"""Cloning settings, the decision without I/O: what the clone overwrites, before -> after."""
import pytest

from shopify_app.sync.clone_plan import Change, ShopSettings, fingerprint, parse_parts, plan_clone


def test_only_what_the_source_mapped_is_copied_and_equal_values_are_left_alone():
    source = ShopSettings(mappings={"payment_method": {"manual": ("EXT_OFFLINE", None), "paypal": (None, None),
                                                       "stripe": ("EXT_CC", None)}})
    target = ShopSettings(mappings={"payment_method": {"stripe": ("EXT_CC", None), "paypal": ("EXT_PAYPAL", None)}})
    assert plan_clone(source, target, ["payment_method"]) == [Change("payment_method", "manual", None, "EXT_OFFLINE")]


def test_shipping_carriers_and_flow_switches_and_intervals_are_compared():
    source = ShopSettings(mappings={"shipping_method": {"Express": ("NEXT_DAY", "UPS")}},
                          flows={"orders": (False, 30), "products": (True, None)})
    target = ShopSettings(mappings={"shipping_method": {"Express": ("NEXT_DAY", "DHL")}},
                          flows={"orders": (True, None), "products": (True, None)})
    changes = plan_clone(source, target, ["shipping_method", "flows"])
    assert changes == [Change("shipping_method", "Express", "NEXT_DAY (carrier DHL)", "NEXT_DAY (carrier UPS)"),
                       Change("flows", "orders: switched on", True, False),
                       Change("flows", "orders: interval (minutes)", None, 30)]
    assert plan_clone(source, target, ["sales_channel"]) == []


def test_parts_are_checked_and_the_fingerprint_names_one_plan():
    assert parse_parts(["flows", "product_type"]) == ["product_type", "flows"]
    with pytest.raises(ValueError, match="unknown part"):
        parse_parts(["flows", "tax"])
    with pytest.raises(ValueError, match="at least one"):
        parse_parts([])
    one = [Change("flows", "orders: switched on", True, False)]
    assert fingerprint(one) == fingerprint(list(one)) != fingerprint([])
