"""Compliance webhooks end to end: orders downloaded from devstore, then data request, redaction, shop redaction."""
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import ComplianceRequest, Shop
from shopify_app.models.orders import Order
from shopify_app.sync.runner import run_flow

from .test_install_lifecycle import find, managed_install, new_devstore_shop


def test_data_request_redaction_and_shop_redaction(connected_app):
    c = connected_app
    domain = new_devstore_shop(c, installed=True)
    assert managed_install(c, domain).status_code == 200
    shop_id = find(c, domain).id
    with c.app.app_context():
        with c.app.test_request_context():
            db.session.get(Shop, shop_id).settings = {"order_import": "open"}
            db.session.commit()
            run = run_flow(shop_id, "orders", "manual")
        assert run.status == "succeeded", run.error
        order = db.session.execute(
            select(Order).where(Order.shop_id == shop_id, Order.customer_id.is_not(None))).scalars().first()
        assert order is not None, "devstore's orders have customers"
        customer = order.customer_id.rsplit("/", 1)[-1]
        theirs = set(db.session.execute(select(Order.id).where(Order.customer_id == order.customer_id)).scalars())
        others = db.session.execute(select(func.count()).select_from(Order).where(
            Order.shop_id == shop_id, Order.email.is_not(None), Order.id.not_in(theirs))).scalar_one()

    c.ds.compliance(domain, "customers/data_request", customer_id=customer)
    request = c.wait_for(lambda: db.session.execute(select(ComplianceRequest).where(
        ComplianceRequest.shop_domain == domain, ComplianceRequest.topic == "customers/data_request",
        ComplianceRequest.completed_at.is_not(None))).scalar_one_or_none())
    assert len(request.result["orders"]) == len(theirs)

    c.ds.compliance(domain, "customers/redact", customer_id=customer)
    c.wait_for(lambda: all(
        o.customer_id is None and o.email is None and o.shipping_address is None and o.billing_address is None
        for o in db.session.execute(select(Order).where(Order.id.in_(theirs))).scalars()))
    with c.app.app_context():
        assert db.session.execute(select(func.count()).select_from(Order).where(
            Order.shop_id == shop_id, Order.email.is_not(None), Order.id.not_in(theirs))).scalar_one() == others
        # The redaction reached the earlier data request's export, and keeps no email itself.
        export = db.session.get(ComplianceRequest, request.id)
        assert export.result is None and export.customer_email is None and export.purged_at is not None
        redaction = db.session.execute(select(ComplianceRequest).where(
            ComplianceRequest.shop_domain == domain, ComplianceRequest.topic == "customers/redact")).scalar_one()
        assert redaction.customer_email is None and redaction.customer_id == customer

    c.ds.uninstall(domain)
    c.wait_for(lambda: find(c, domain).status == "uninstalled")
    c.ds.compliance(domain, "shop/redact")
    c.wait_for(lambda: find(c, domain) is None)
    with c.app.app_context():
        assert db.session.execute(select(func.count()).select_from(Order).where(Order.shop_id == shop_id)).scalar_one() == 0
