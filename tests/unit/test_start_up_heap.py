"""Long-running processes keep what they loaded at start-up out of the collector's walks
(shopify_app/start_up_heap.py): the web workers through gunicorn.conf.py's hook."""
from __future__ import annotations

import gc
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_web_worker_freezes_what_it_loaded_once_it_has_loaded_the_app():
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](None)
        assert gc.get_freeze_count() > 1000
        started = gc.get_count()
        assert started[0] < 50  # collected just before freezing: the garbage of start-up went first
    finally:
        gc.unfreeze()
