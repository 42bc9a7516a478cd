"""The LocalExecutor settings of `make up` (the default): sizing and the queue-to-pool policy.

No Airflow started: the settings are plain values and the policy a function on the task's
``queue`` and ``pool`` (the scheduler's side is measured by bench/bench_executors.py)."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest
from mediamon.devtools import local_executor as le
from mediamon.tasks import FETCH_QUEUE

SETTINGS = (
    "AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__PARALLELISM",
    "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG", le.CPU_SLOTS_ENV, le.FETCH_SLOTS_ENV,
)  # fmt: skip


@pytest.fixture
def clean_env(monkeypatch):
    for key in SETTINGS:
        monkeypatch.delenv(key, raising=False)


def test_cpu_stages_get_one_slot_per_core_and_fetch_sixteen(clean_env):
    cores = os.cpu_count()
    assert le.pools() == {"cpu": cores, "fetch": 16}
    env = le.executor_env()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__PARALLELISM"] == str(cores + 16)
    assert env["AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG"] == str(cores + 16)


def test_sizes_follow_the_environment_and_refuse_nonsense(clean_env, monkeypatch, tmp_path):
    monkeypatch.setenv(le.CPU_SLOTS_ENV, "3")
    monkeypatch.setenv(le.FETCH_SLOTS_ENV, "5")
    assert le.executor_env()["AIRFLOW__CORE__PARALLELISM"] == "8"
    monkeypatch.setenv("AIRFLOW__CORE__PARALLELISM", "4")  # a setting of the user's is kept
    assert le.executor_env()["AIRFLOW__CORE__PARALLELISM"] == "4"
    body = json.loads(le.pools_file(tmp_path / "pools.json").read_text())
    assert {name: p["slots"] for name, p in body.items()} == {"cpu": 3, "fetch": 5}
    monkeypatch.setenv(le.CPU_SLOTS_ENV, "0")
    with pytest.raises(ValueError, match="MEDIAMON_CPU_SLOTS"):
        le.pools()


def test_the_policy_puts_a_task_in_the_pool_of_its_queue(tmp_path):
    assert le.write_policy(tmp_path)
    namespace: dict = {}
    exec(le.policy_path(tmp_path).read_text(), namespace)  # as Airflow imports it
    fetch = SimpleNamespace(queue=FETCH_QUEUE, pool="default_pool")
    parse = SimpleNamespace(queue="default", pool="default_pool")
    named = SimpleNamespace(queue="default", pool="own")
    for task in (fetch, parse, named):
        namespace["task_policy"](task)
    assert (fetch.pool, parse.pool, named.pool) == ("fetch", "cpu", "own")
    le.remove_policy(tmp_path)  # the Celery stack's start
    assert not le.policy_path(tmp_path).exists()


def test_a_local_settings_file_of_someone_elses_is_left_alone(tmp_path):
    path = le.policy_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("def task_policy(task):\n    pass\n")
    assert not le.write_policy(tmp_path)
    le.remove_policy(tmp_path)
    assert path.read_text() == "def task_policy(task):\n    pass\n"
