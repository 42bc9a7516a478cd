"""The failure notifier every mediamon task carries (``default_args``' on_failure_callback,
:class:`mediamon.alerts.FailureNotifier`) reaches the webhook of the connection
``mediamon_alerts`` when a real task fails (issue 19 item 11).

``mediamon_daily`` runs through ``dag.test()`` with the warehouse unreachable (the connection
``mediamon_db`` names a loopback port nobody listens on), so its first task, ``migrate``,
fails on every try (3: two retries), and ``summarize`` then fails the run (no source was
planned); the webhook is the fault server over loopback. It receives one alert per failed
task, naming the DAG, the run and the task, and none for the tries that were retried.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from faultkit import closed_port
from mediamon.load.db import airflow_connection_json


def test_a_failing_task_posts_its_alert_to_the_webhook(airflow_db, server, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag
    from mediamon.config import DAILY_DAG_ID

    hook = server.url("127.0.0.1", "/hooks/T0")
    monkeypatch.setenv("AIRFLOW_CONN_MEDIAMON_ALERTS",
                       json.dumps({"conn_type": "http", "extra": {"url": hook}}))  # fmt: skip
    unreachable = f"postgresql://postgres@127.0.0.1:{closed_port()}/mediamon"
    monkeypatch.setenv("AIRFLOW_CONN_MEDIAMON_DB", airflow_connection_json(unreachable))
    monkeypatch.setenv("MEDIAMON_RETRY_DELAY_SECONDS", "0")  # read when the DAG file is parsed

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    dag = bag.get_dag(DAILY_DAG_ID)
    logical = datetime.combine(date(2024, 9, 8), time.min, tzinfo=ZoneInfo("Asia/Almaty"))
    run = dag.test(logical_date=logical)

    assert str(getattr(run.state, "value", run.state)) == "failed"
    posts = [json.loads(body) for body in server.posts[("127.0.0.1", "/hooks/T0")]]
    assert posts == [
        {"text": f"{DAILY_DAG_ID} {run.run_id}: task migrate failed"},
        {"text": f"{DAILY_DAG_ID} {run.run_id}: task summarize failed"},
    ]
