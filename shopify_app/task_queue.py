"""Where the work runs: Celery workers when `CELERY_BROKER_URL` names a broker, else
in-process. One code path for the work either way: the tasks are the plain functions
of `TASKS` (shopify_app/sync/tasks.py), and only the way they are handed over differs.

- `celery`: `enqueue` publishes the task; `flask --app wsgi worker` (or
  `celery -A wsgi:celery worker`) carries it out. Tasks are acknowledged late and
  rejected when their worker is lost, so a worker killed outright (kill -9, a lost
  machine) has its tasks redelivered to another worker.
- `local` (no broker, the embedded default): a small thread pool of this process runs
  the task, after its countdown; nothing survives the process, and the clock's sweep
  (shopify_app.sync.scheduler) sends again what a dead process left undone.
- `eager` (the `TASKS_EAGER` setting, for tests): the task runs at once, in the caller.
  A task asking to be retried later is left to the clock's sweep.

`nudge(name)` asks for an argument-less task to run soon, once for any number of asks
within NUDGE_SECONDS: a burst of webhook deliveries rings their batch task a few dozen
times a second, not once per delivery (a thread of this process sends it; what it had
not sent when the process died is sent by the clock's sweep).

A task returns `Later(countdown)` to be sent again (a retry with back-off, the next
step of a run); Celery does it with `Task.retry`, the local pool with a timer.
Nothing here registers itself by being imported: `init_app` builds the Celery app, and
its tasks, from the table it is given.
"""
from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

from .start_up_heap import freeze_start_up_heap

log = logging.getLogger(__name__)

LOCAL_THREADS = 4
NUDGE_SECONDS = 0.25
QUEUE_NAME = "shopify_app"


class Dispatcher:
    """One app's way of running its tasks (see the module's docstring)."""

    def __init__(self, app: Flask, tasks: dict, later_type: type, cleanup, on_worker_stop):
        self.app = app
        self.tasks = tasks
        self.later_type = later_type
        self.cleanup = cleanup  # after each task: the database session given back
        broker = (app.config.get("CELERY_BROKER_URL") or "").strip()
        self.mode = "celery" if broker else ("eager" if app.config.get("TASKS_EAGER") else "local")
        self.celery = make_celery(self, broker, on_worker_stop) if broker else None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._timers: set[threading.Timer] = set()
        self._closed = False
        self._nudged: set[str] = set()
        self._nudge_lock = threading.Lock()
        self._nudge_rung = threading.Event()
        self._nudger: threading.Thread | None = None

    def enqueue(self, name: str, *args, countdown: float = 0.0) -> None:
        if name not in self.tasks:
            raise KeyError(f"no task {name!r}")
        if self.mode == "celery":
            self.celery.tasks[name].apply_async(args=list(args), countdown=countdown or None)
        elif self.mode == "eager":
            self._run(name, args, in_context=False)
        elif countdown > 0:
            timer = threading.Timer(countdown, self._submit, args=(name, args))
            timer.daemon = True
            self._timers.add(timer)
            timer.start()
        else:
            self._submit(name, args)

    def nudge(self, name: str) -> None:
        """Have the argument-less task `name` run soon: once for all the nudges of a
        moment. Eager: at once, in the caller."""
        if name not in self.tasks:
            raise KeyError(f"no task {name!r}")
        if self.mode == "eager":
            self._run(name, (), in_context=False)
            return
        with self._nudge_lock:
            self._nudged.add(name)
            if self._nudger is None or not self._nudger.is_alive():  # started after a fork, in the process using it
                self._nudger = threading.Thread(target=self._send_nudged, name="task-nudger", daemon=True)
                self._nudger.start()
                if self.mode == "celery":  # a web process stopping sends what it was asked for
                    atexit.register(self._flush_nudged)
        self._nudge_rung.set()

    def _send_nudged(self) -> None:
        while not self._closed:
            if not self._nudge_rung.wait(timeout=1.0):
                continue
            self._nudge_rung.clear()
            self._flush_nudged()
            time.sleep(NUDGE_SECONDS)  # what is nudged meanwhile goes in the next send

    def _flush_nudged(self) -> None:
        with self._nudge_lock:
            names, self._nudged = self._nudged, set()
        for name in sorted(names):
            try:
                self.enqueue(name)
            except Exception:  # the broker is unreachable: the clock's sweep sends what waits
                log.exception("task %s could not be sent", name)

    # the in-process pool
    def _submit(self, name: str, args: tuple) -> None:
        self._timers = {t for t in self._timers if t.is_alive()}
        with self._pool_lock:
            if self._closed:  # stopping: the clock's sweep sends it again after a restart
                log.info("task %s%s not run: this process is stopping", name, args)
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=LOCAL_THREADS, thread_name_prefix="task")
            pool = self._pool
        try:
            pool.submit(self._run, name, args, True)
        except RuntimeError:  # shut down: the clock's sweep sends it again after a restart
            log.warning("task %s%s dropped: the in-process pool is shut down", name, args)

    def _run(self, name: str, args: tuple, in_context: bool = True) -> None:
        try:
            if in_context:
                with self.app.app_context():
                    try:
                        outcome = self.tasks[name](*args)
                    finally:
                        self.cleanup()
            else:
                outcome = self.tasks[name](*args)
        except Exception:
            log.exception("task %s%s failed", name, args)
            return
        if isinstance(outcome, self.later_type) and self.mode == "local":
            self.enqueue(name, *args, countdown=outcome.countdown)

    def shutdown(self, wait: bool = True) -> None:
        if self.mode == "celery":
            self._flush_nudged()  # sent before the process goes
        for timer in list(self._timers):
            timer.cancel()
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)


def make_celery(dispatcher: Dispatcher, broker: str, on_worker_stop):
    """A Celery app for the dispatcher's Flask app: its broker, and a task per entry of its table."""
    # Optional dependency, imported only when configured (CELERY_BROKER_URL): it costs
    # ~80 ms, on every import of shopify_app.* were it at the top.
    from celery import Celery
    from celery.signals import worker_ready, worker_shutting_down

    app, later_type = dispatcher.app, dispatcher.later_type
    celery = Celery(app.import_name, broker=broker, set_as_current=False)
    celery.conf.update(
        task_default_queue=app.config.get("CELERY_QUEUE") or QUEUE_NAME,
        # A task is acknowledged once done, and given back if its worker dies: the work is
        # redelivered, never lost (the tasks are idempotent: sync/run_steps.py, sync/webhooks/apply.py).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # Redis only: an unacknowledged task is redelivered after this long (no step runs
        # nearly as long; RabbitMQ redelivers as soon as the worker's connection drops).
        broker_transport_options={"visibility_timeout": 600},
        worker_hijack_root_logger=False,
        task_serializer="json",
        accept_content=["json"],
    )

    def bind(name, fn):
        def run(self, *args):
            redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
            with app.app_context():
                try:
                    outcome = fn(*args, redelivered=redelivered)
                finally:
                    dispatcher.cleanup()
            if isinstance(outcome, later_type):
                raise self.retry(countdown=outcome.countdown)

        run.__name__ = run.__qualname__ = name
        # No retry limit here: each task bounds its own (webhook attempts; a run's steps end
        # when the run does). Not shared (Celery's default is): a shared task is given to
        # every Celery app made later in the process, so a second Flask app's Celery would
        # run the first app's closures under its names.
        return celery.task(name=name, bind=True, max_retries=None, shared=False)(run)

    for task_name, fn in dispatcher.tasks.items():
        bind(task_name, fn)

    def stopping(**_):
        on_worker_stop()  # running steps end at their next checkpoint and hand over

    worker_shutting_down.connect(stopping, weak=False)
    # Once per process, whatever the number of Celery apps made in it (the signal is global).
    worker_ready.connect(freeze_when_ready, weak=False, dispatch_uid="shopify_app.freeze_start_up_heap")
    return celery


def freeze_when_ready(**_) -> None:
    freeze_start_up_heap()  # a worker's start-up objects are out of the collector's walks


def worker_name() -> str:
    return f"shopify_app-{os.getpid()}@{socket.gethostname()}"


class TaskQueue:
    """The app's Dispatcher, for code that must not import Flask (sync/ calls
    `task_queue.enqueue(...)` inside the app's context, as it uses `db`)."""

    KEY = "shopify_app.task_queue"

    def init_app(self, app: Flask, tasks: dict, later_type: type, *, cleanup, on_worker_stop) -> None:
        app.extensions[self.KEY] = Dispatcher(app, tasks, later_type, cleanup, on_worker_stop)

    def for_app(self, app: Flask) -> Dispatcher:
        return app.extensions[self.KEY]

    @property
    def current(self) -> Dispatcher:
        return current_app.extensions[self.KEY]

    def enqueue(self, name: str, *args, countdown: float = 0.0) -> None:
        self.current.enqueue(name, *args, countdown=countdown)

    def nudge(self, name: str) -> None:
        self.current.nudge(name)
