"""gunicorn's settings, read from the working directory by `gunicorn wsgi:app`.

The access log keeps secrets out (session tokens, OAuth codes, hmac, state: see
shopify_app/log_redaction.py) and is in LOG_FORMAT
(shopify_app/log_setup.py); command-line options still set everything else.
"""
logger_class = "shopify_app.log_setup.StructuredGunicornLogger"
