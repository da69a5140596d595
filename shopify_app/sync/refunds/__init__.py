"""Refunds out: returns posted by the OMS, refunded in Shopify when the shop asks.

Every return (`POST /oms/v1/returns`) is kept. When the shop's "upload refunds to
Shopify" setting (`settings["upload_refunds"]`) is on, the `fulfillments` flow
sends it with `refundCreate`: once, on the OMS's `external_id`. The refund's
`@idempotent` key is derived from the request (a resend is replayed by Shopify,
not repeated), the request is marked "sending" before the call, and its note
carries a marker we look for among the order's refunds before sending again.

Where things are: `validate` (the return's body, pure), `plan` (the `refundCreate`
input and recognising a refund already made, pure), `requests` (storing and finding
returns), `push` (the Shopify side, run by the `fulfillments` flow).
"""
