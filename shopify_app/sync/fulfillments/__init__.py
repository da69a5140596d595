"""Fulfillments out: shipments posted by the OMS become fulfillments in Shopify.

A request (`POST /oms/v1/fulfillments`) is stored first, keyed by the shop and the
OMS's `external_id`; the `fulfillments` flow pushes it with `fulfillmentCreate`
against the order's fulfillment orders, read live from Shopify at push time, one
call per assigned location when the shipment spans several.

Never twice: each part is marked "sending" (committed) before its call. A part
found "sending" on a later run (a crash between Shopify's answer and our commit)
is first looked for among its fulfillment order's fulfillments in Shopify, every
page of them (same line items and quantities, same tracking number, created after
we started sending, not claimed by another request); only when it is surely not
there is it sent again. When they cannot all be read, it is not sent: looked for
again on the next run.

Where things are: `validate` (the request body, pure), `plan` (lines onto fulfillment
orders, recognising a part already sent, pure), `requests` (storing and finding
requests), `push` (the Shopify side), `run` (the flow, which also pushes refunds).
"""
