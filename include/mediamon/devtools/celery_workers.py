"""The Celery side of ``make up EXECUTOR=celery``: broker, result backend, the two workers.

Two ``airflow celery worker`` processes on this machine, one per queue, tasks routed by stage
(the DAG sets ``queue=`` on its fetch tasks; every other task has Airflow's
``[operators] default_queue``, ``default``):

- ``fetch`` (:data:`mediamon.tasks.FETCH_QUEUE`): I/O bound (network, politeness delays),
  ``MEDIAMON_CELERY_FETCH_CONCURRENCY`` worker processes (default 16);
- ``default``: migrate, plan, parse, validate, load, stories, summary; CPU bound,
  ``MEDIAMON_CELERY_CPU_CONCURRENCY`` processes (default: the machine's cores).

The broker is ``MEDIAMON_CELERY_BROKER`` (default the machine's Redis,
``redis://127.0.0.1:6379/0``); task results go to Airflow's metadata database
(``db+postgresql://...``). Each worker has its own Celery node name (``--celery-hostname``,
``<queue>-<api port>@<host>``, so two stacks on one machine do not clash), its own log-server
port, and reports its node name as the ``hostname`` of the task instances it runs (Airflow's
``[core] hostname_callable`` set to :func:`task_hostname`), so the UI and the metadata database
tell the two workers on one machine apart.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from mediamon.redact import public_url, redact
from mediamon.tasks import FETCH_QUEUE

BROKER_ENV = "MEDIAMON_CELERY_BROKER"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
DEFAULT_QUEUE = "default"  # Airflow's [operators] default_queue
FETCH_CONCURRENCY = 16
WORKER_HOSTNAME_ENV = "MEDIAMON_WORKER_HOSTNAME"
HOSTNAME_CALLABLE = f"{__name__}.task_hostname"


@dataclass(frozen=True)
class Worker:
    """One ``airflow celery worker``: the queue it serves and its process count."""

    queue: str
    concurrency: int

    def node(self, tag: str) -> str:
        """Celery node name, ``<queue>-<tag>@<host>`` (also the task instances' hostname)."""
        return f"{self.queue}-{tag}@{socket.gethostname()}"


def broker_url() -> str:
    """The broker: ``$MEDIAMON_CELERY_BROKER`` or the machine's Redis, database 0."""
    return os.environ.get(BROKER_ENV) or DEFAULT_BROKER


def workers() -> list[Worker]:
    """The two workers: ``fetch`` (high concurrency) and ``default`` (one process per core)."""
    fetch = int(os.environ.get("MEDIAMON_CELERY_FETCH_CONCURRENCY") or FETCH_CONCURRENCY)
    cpu = int(os.environ.get("MEDIAMON_CELERY_CPU_CONCURRENCY") or os.cpu_count() or 1)
    return [Worker(FETCH_QUEUE, fetch), Worker(DEFAULT_QUEUE, cpu)]


def executor_env(metadata_url: str) -> dict[str, str]:
    """Airflow settings for every component of a Celery stack (scheduler, workers, ...).

    ``metadata_url``: Airflow's SQLAlchemy URL (``postgresql[+psycopg2]://...``); the result
    backend is the same database. Keys already set in the environment are kept.
    """
    plain = metadata_url.replace("postgresql+psycopg2://", "postgresql://", 1)
    defaults = {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": broker_url(),
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{plain}",
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": DEFAULT_QUEUE,
    }
    return {key: os.environ.get(key, value) for key, value in defaults.items()}


def worker_command(airflow: str, worker: Worker, tag: str) -> list[str]:
    """argv of ``airflow celery worker`` for ``worker`` (``airflow``: the CLI's path)."""
    return [
        airflow, "celery", "worker", "--queues", worker.queue,
        "--concurrency", str(worker.concurrency), "--celery-hostname", worker.node(tag),
    ]  # fmt: skip


def worker_env(worker: Worker, tag: str, log_server_port: int) -> dict[str, str]:
    """The variables that differ between the workers: log-server port and hostname."""
    return {
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_server_port),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE,
        WORKER_HOSTNAME_ENV: worker.node(tag),
    }


def task_hostname() -> str:
    """Airflow's ``[core] hostname_callable`` in the stack's workers: the worker's Celery node
    name (``$MEDIAMON_WORKER_HOSTNAME``), else the machine's FQDN like Airflow's default."""
    return os.environ.get(WORKER_HOSTNAME_ENV) or socket.getfqdn()


def broker_problem(url: str, timeout: float = 3.0) -> str | None:
    """Why the Redis broker at ``url`` cannot be used, or None when it answers PING."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        reason = redact(f"{type(exc).__name__}: {exc}", urls=(url,))
        return f"Redis at {public_url(url)} does not answer ({reason})"
    return None
