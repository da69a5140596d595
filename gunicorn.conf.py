"""gunicorn's settings, read from the working directory by `gunicorn wsgi:app`.

The access log keeps secrets out (session tokens, OAuth codes, hmac, state: see
shopify_app/log_redaction.py) and is in LOG_FORMAT
(shopify_app/log_setup.py); command-line options still set everything else.
"""
logger_class = "shopify_app.log_setup.StructuredGunicornLogger"


def post_worker_init(worker):
    """The worker has loaded the app: what it loaded is kept out of the collector's walks
    (shopify_app/start_up_heap.py)."""
    from shopify_app.start_up_heap import freeze_start_up_heap  # gunicorn reads this file before the app is importable

    freeze_start_up_heap()
