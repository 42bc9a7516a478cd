"""The Celery settings of `make up EXECUTOR=celery` (no broker needed: the e2e test runs them)."""

from __future__ import annotations

import pytest
from mediamon.devtools import celery_workers as cw
from mediamon.devtools.stack import StackError, up


def test_result_backend_is_the_metadata_database_and_broker_the_machines_redis(monkeypatch):
    for key in ("MEDIAMON_CELERY_BROKER", "AIRFLOW__CELERY__BROKER_URL",
                "AIRFLOW__CELERY__RESULT_BACKEND", "AIRFLOW__CORE__EXECUTOR"):  # fmt: skip
        monkeypatch.delenv(key, raising=False)
    env = cw.executor_env("postgresql+psycopg2://u:p@127.0.0.1:5432/airflow")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql://u:p@127.0.0.1:5432/airflow"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/0"
    monkeypatch.setenv("MEDIAMON_CELERY_BROKER", "redis://127.0.0.1:6379/5")
    assert cw.executor_env("postgresql://x/y")["AIRFLOW__CELERY__BROKER_URL"].endswith("/5")


def test_two_workers_one_per_queue_with_their_own_names(monkeypatch):
    monkeypatch.delenv("MEDIAMON_CELERY_FETCH_CONCURRENCY", raising=False)
    monkeypatch.setenv("MEDIAMON_CELERY_CPU_CONCURRENCY", "3")
    fetch, cpu = cw.workers()
    assert (fetch.queue, fetch.concurrency, cpu.queue, cpu.concurrency) == (
        "fetch",
        16,
        "default",
        3,
    )
    argv = cw.worker_command("airflow", fetch, "8080")
    assert argv[:3] == ["airflow", "celery", "worker"]
    assert argv[argv.index("--queues") + 1] == "fetch"
    assert argv[argv.index("--celery-hostname") + 1] == fetch.node("8080")
    assert fetch.node("8080") != cpu.node("8080") and fetch.node("8080").startswith("fetch-8080@")
    env = cw.worker_env(fetch, "8080", 9999)
    assert env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] == "9999"
    monkeypatch.setenv(cw.WORKER_HOSTNAME_ENV, env[cw.WORKER_HOSTNAME_ENV])
    assert cw.task_hostname() == fetch.node("8080")  # what task instances record as hostname


def test_an_unknown_executor_or_a_silent_broker_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="local, celery"):
        up(executor="kubernetes")
    monkeypatch.setenv("MEDIAMON_CELERY_BROKER", "redis://:secret@127.0.0.1:1/0")
    problem = cw.broker_problem(cw.broker_url(), timeout=1)
    assert problem and "does not answer" in problem and "secret" not in problem
    with pytest.raises(StackError, match="does not answer"):  # before anything is started
        up(executor="celery")
