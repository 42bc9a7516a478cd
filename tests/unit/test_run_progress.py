"""`mediamon run`'s progress view (issue 20 item 1): one line per task that ends, mapped
instances named by source, nothing repeated."""

from __future__ import annotations

import io

from mediamon.devtools.progress import ProgressView, TaskState, metadata_dsn


def test_one_line_per_task_that_ends_named_by_source():
    out = io.StringIO()
    view = ProgressView("mediamon_daily 2024-09-08", ["alpha", "beta"], total=13, stream=out)
    view.update([TaskState("plan", -1, None, "running", None)])
    view.update(
        [
            TaskState("plan", -1, None, "success", 0.4),
            TaskState("source.fetch", 0, None, "up_for_retry", None),
            TaskState("source.fetch", 1, "beta", "success", 3.25),
        ]
    )
    view.update([TaskState("plan", -1, None, "success", 0.4)])  # unchanged: no new line
    view.close()
    assert not [line for line in out.getvalue().splitlines() if line != line.rstrip()]
    assert [line.split() for line in out.getvalue().splitlines()] == [
        ["plan", "success", "0.4", "s"],
        ["alpha", "fetch", "up_for_retry"],
        ["beta", "fetch", "success", "3.2", "s"],
    ]


def test_metadata_dsn_drops_the_sqlalchemy_driver():
    url = "postgresql+psycopg2://postgres@127.0.0.1:5432/airflow"
    assert metadata_dsn(url) == "postgresql://postgres@127.0.0.1:5432/airflow"


def test_a_failed_run_prints_the_logs_errors_one_line_each(tmp_path):
    from mediamon.devtools.runner import log_errors

    log = tmp_path / "run.log"
    log.write_text(
        "2026-12-03T09:29:15Z [info     ] Task started [airflow.api] loc=x.py:1\n"
        "2026-12-03T09:29:16Z [error    ] alpha 2024-09-05: cannot reach this day: read on "
        "2024-09-08 [mediamon.tasks] loc=tasks.py:227\n"
        "2026-12-03T09:29:16Z [error    ] Task failed with exception     [task] loc=t.py:1\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        "airflow.sdk.exceptions.AirflowFailException: 1 source(s) cannot reach 2024-09-05\n"
        "airflow.sdk.exceptions.AirflowFailException: 1 source(s) cannot reach 2024-09-05\n",
        encoding="utf-8",
    )
    assert log_errors(log) == [
        "error: alpha 2024-09-05: cannot reach this day: read on 2024-09-08",
        "error: AirflowFailException: 1 source(s) cannot reach 2024-09-05",
    ]
