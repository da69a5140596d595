"""Shopify locations and OMS facilities.

Locations come from Shopify (a periodic pull, an import on demand, and the
`locations/create|update|delete` webhooks); facilities are the OMS's, created one
to one from chosen locations. The default location takes online orders and is
tied to the OMS brokering queue; inventory pushes put the sellable total there.

Where things are: `normalize` (a node or payload -> our fields, pure), `decide` (the
default, online selling, facility ids, pure), `store` (locations in our tables),
`mapping` (facilities and the merchant's mapping), `run` (the flow and the import),
`webhooks` (the topic handlers).
"""
