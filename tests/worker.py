"""A real Celery worker process for tests (PostgreSQL + a broker; skipped otherwise).

The worker listens on a queue of its own, so no other worker takes the test's tasks, and the
queue is deleted from the broker afterwards. `broker_url` points the worker and this process
at another broker (a private Redis a test may stop); `Worker.process` lets a test kill it.
"""

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from collections_app.celery import app

NEEDS_WORKER = [
    pytest.mark.worker,
    pytest.mark.usefixtures("restore_roles"),  # transactional_db empties the role groups
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL,
        reason="needs a broker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)",
    ),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="needs PostgreSQL: a worker process cannot see the SQLite test database "
        "(set DATABASE_URL=postgres://…)",
    ),
]


@dataclass(frozen=True)
class Worker:
    queue: str
    log_path: Path
    process: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text()

    def result(self, async_result, what: str = "worker"):
        """The task's return value, or a failure that shows the worker's log."""
        try:
            value = async_result.get(timeout=60)
        except Exception as exc:
            raise AssertionError(f"{what} did not answer: {exc!r}\n{self.log()}") from exc
        async_result.forget()
        return value


@contextmanager
def celery_worker(
    tmp_path: Path,
    *,
    default_queue: bool = False,
    broker_url: str = "",
    queue: str = "",
    log_name: str = "worker.log",
    **env,
):
    """Run a worker process against this test session's database for the `with` block.

    `default_queue`: also send tasks enqueued without a queue (on-commit `.delay()`) to it.
    `broker_url`: broker and result backend of the worker and of this process's Celery app
    for the block (default: the configured ones).
    `queue`: listen on this queue (e.g. a killed worker's) instead of a new one.
    `env`: extra environment for the worker (e.g. DJANGO_MEDIA_ROOT).
    """
    queue = queue or f"fv-test-{uuid.uuid4().hex}"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collections_app.settings",
        "DATABASE_URL": _test_database_url(),
        "DJANGO_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker_url or settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": broker_url
        or settings.CELERY_RESULT_BACKEND
        or settings.CELERY_BROKER_URL,
        **env,
    }
    log_path = tmp_path / log_name
    eager, queue_before = app.conf.task_always_eager, app.conf.task_default_queue
    with log_path.open("w") as log, app_broker(broker_url):
        process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "collections_app",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],  # fmt: skip
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            app.conf.task_always_eager = False
            if default_queue:
                app.conf.task_default_queue = queue
            yield Worker(queue, log_path, process)
        finally:
            app.conf.task_always_eager = eager
            app.conf.task_default_queue = queue_before
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with app.connection_for_write() as conn:  # leave no bindings behind in the broker
                bound = app.amqp.queues[queue](conn.default_channel)
                bound.declare()  # so that kombu knows the binding it is to delete
                bound.delete()


@contextmanager
def app_broker(url: str):
    """Point this process's Celery app at `url` for the block (nothing when empty)."""
    if not url:
        yield
        return
    # Celery reads these two from the environment before its configuration.
    names = ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
    saved_env = {name: os.environ.get(name) for name in names}
    saved_conf = app.conf.broker_url, app.conf.result_backend
    _drop_connections()
    os.environ.update(dict.fromkeys(names, url))
    app.conf.broker_url = app.conf.result_backend = url
    try:
        yield
    finally:
        _drop_connections()
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        app.conf.broker_url, app.conf.result_backend = saved_conf


def _drop_connections() -> None:
    """Forget the app's broker pools and result backend, so the next use takes those of the
    URL the configuration now names (kombu keeps one pool per URL, reused on return)."""
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


def _test_database_url() -> str:
    """The URL of the database this test session really uses (test_…), for the worker."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def needs_worker(test):
    """NEEDS_WORKER as a decorator, for one test in a module of others."""
    for mark in reversed(NEEDS_WORKER):
        test = mark(test)
    return test
