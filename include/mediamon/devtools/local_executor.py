"""The LocalExecutor side of ``make up`` (the default): sources side by side on this machine.

The scheduler runs the tasks in its own worker processes, and the LocalExecutor ignores Celery
queues, so the routing of ``make up EXECUTOR=celery`` (:mod:`mediamon.devtools.celery_workers`:
queue ``fetch`` with 16 processes, queue ``default`` with one per core) is mirrored here with
two Airflow pools, sized the same way:

- ``fetch`` (``MEDIAMON_FETCH_SLOTS``, default 16, the Celery fetch worker's concurrency): the
  fetch tasks, I/O bound (network, politeness delays, the host lock);
- ``cpu`` (``MEDIAMON_CPU_SLOTS``, default the machine's cores, ``os.cpu_count()``): every
  other task (migrate, plan, parse, validate, load, stories, summary).

A task is put in a pool by its queue: a cluster policy (``task_policy`` in
``$AIRFLOW_HOME/config/airflow_local_settings.py``, written by :func:`write_policy`, applied
when the dag-processor parses the DAGs) sends a task whose queue is ``fetch`` (the DAG's
:data:`mediamon.tasks.FETCH_QUEUE`) to the pool ``fetch`` and every other task to ``cpu``; the
DAG files do not name pools, so ``dag.test()`` and ``mediamon backfill`` (which have none) and
the Celery stack (whose workers bound each queue) run them unchanged. The executor's
``parallelism`` is the sum of the two pools (Airflow's cap on task instances running at once;
with 16 + cores worker processes the CPU stages still never run more than cores at a time),
and ``max_active_tasks`` per DAG run the same, so one run may fill them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mediamon.devtools.celery_workers import FETCH_CONCURRENCY
from mediamon.tasks import FETCH_QUEUE

CPU_POOL = "cpu"
FETCH_POOL = FETCH_QUEUE
CPU_SLOTS_ENV = "MEDIAMON_CPU_SLOTS"
FETCH_SLOTS_ENV = "MEDIAMON_FETCH_SLOTS"
POLICY_MARKER = "# written by mediamon up (mediamon.devtools.local_executor)"
POLICY = f'''{POLICY_MARKER}: rewritten at each start,
# removed by `mediamon up --executor celery`. Airflow's cluster policy for the LocalExecutor:
# a task's Celery queue picks its pool (the LocalExecutor ignores queues).


def task_policy(task):
    """Queue {FETCH_QUEUE!r}: pool {FETCH_POOL!r}; every other queue: pool {CPU_POOL!r}."""
    if task.pool in (None, "default_pool"):  # a pool named in the DAG wins
        task.pool = {FETCH_POOL!r} if task.queue == {FETCH_QUEUE!r} else {CPU_POOL!r}
'''


def pools() -> dict[str, int]:
    """Slots per pool: ``{"cpu": cores, "fetch": 16}`` unless the environment says otherwise.

    Raises ValueError when a ``MEDIAMON_*_SLOTS`` variable is not a positive integer.
    """
    cpu = _slots(CPU_SLOTS_ENV, os.cpu_count() or 1)
    fetch = _slots(FETCH_SLOTS_ENV, FETCH_CONCURRENCY)
    return {CPU_POOL: cpu, FETCH_POOL: fetch}


def _slots(name: str, default: int) -> int:
    value = int(os.environ.get(name) or default)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, not {value}")
    return value


def executor_env() -> dict[str, str]:
    """Airflow settings of a LocalExecutor stack: the executor, ``parallelism`` (the pools'
    slots summed) and ``max_active_tasks_per_dag`` (the same). Keys already set in the
    environment are kept."""
    total = str(sum(pools().values()))
    defaults = {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": total,
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": total,
    }
    return {key: os.environ.get(key, value) for key, value in defaults.items()}


def pools_file(path: Path) -> Path:
    """Write :func:`pools` as the JSON of ``airflow pools import`` to ``path``; returns it."""
    described = {
        CPU_POOL: "CPU-bound tasks (parse, validate, load, ...): one slot per core",
        FETCH_POOL: "fetch tasks (I/O bound: network, politeness delays)",
    }
    body = {
        name: {"slots": slots, "description": described[name], "include_deferred": False}
        for name, slots in pools().items()
    }
    path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return path


def policy_path(airflow_home: Path) -> Path:
    """Airflow's local settings file: ``<home>/config/airflow_local_settings.py``."""
    return airflow_home / "config" / "airflow_local_settings.py"


def write_policy(airflow_home: Path) -> bool:
    """Write the queue-to-pool policy; False (nothing written) when a local settings file of
    someone else's is there: it is left alone, every task then runs in ``default_pool``, and
    only ``parallelism`` bounds the CPU stages."""
    path = policy_path(airflow_home)
    if path.exists() and not path.read_text(encoding="utf-8").startswith(POLICY_MARKER):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(POLICY, encoding="utf-8")
    return True


def remove_policy(airflow_home: Path) -> None:
    """Remove the policy :func:`write_policy` wrote (a file of someone else's stays)."""
    path = policy_path(airflow_home)
    if path.exists() and path.read_text(encoding="utf-8").startswith(POLICY_MARKER):
        path.unlink()
