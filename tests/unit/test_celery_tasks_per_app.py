"""Each Flask app's Celery app carries its own tasks (shopify_app/task_queue.py): a process
that makes several apps (the tests, a script) never runs one app's task with another's."""
from __future__ import annotations

import warnings

from shopify_app import create_app
from shopify_app.extensions import task_queue

from tests.conftest import base_env

BROKER = "amqp://guest:guest@127.0.0.1:1//"  # never connected to: nothing is sent


def test_two_apps_in_one_process_each_run_their_own_tasks(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a DuplicateTaskNameWarning fails the test
        first, second = (create_app(base_env(DATABASE_URL=f"sqlite:///{tmp_path}/{n}.db", CELERY_BROKER_URL=BROKER),
                                    TESTING=True) for n in ("one", "two"))
        one, two = task_queue.for_app(first).celery, task_queue.for_app(second).celery
        names = set(task_queue.for_app(first).tasks)
        assert names and names <= set(one.tasks) and names <= set(two.tasks)
        for name in names:
            assert one.tasks[name].run is not two.tasks[name].run, name
            assert one.tasks[name].app is one and two.tasks[name].app is two


def test_a_worker_freezes_its_start_up_heap_once_when_it_is_ready(tmp_path):
    import gc

    from celery.signals import worker_ready

    for n in ("one", "two"):
        create_app(base_env(DATABASE_URL=f"sqlite:///{tmp_path}/{n}.db", CELERY_BROKER_URL=BROKER), TESTING=True)
    receivers = [r for r in worker_ready.receivers if "freeze_start_up_heap" in str(r[0])]
    assert len(receivers) == 1  # connected once, not once per app
    gc.unfreeze()
    try:
        worker_ready.send(sender=None)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
