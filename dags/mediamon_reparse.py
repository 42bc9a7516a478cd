"""
### mediamon_reparse

Re-read a range of local days from the **raw store only** (the WARC captures the daily runs
kept; no request leaves the machine) with the current parser: **parse → validate → load** for
each source-day that has a capture, then a **diff report** per source: on how many of the
range's articles each field changed (e.g. "published_at changed on 12 of 340 articles"),
logged by the `report` task and stored in the table `reparse_diffs`.

Trigger it from the UI ("Trigger DAG" with params) or the CLI:
`airflow dags trigger mediamon_reparse -c '{"from": "2024-09-06", "to": "2024-09-08"}'`.
The same steps without Airflow: `mediamon reparse --from 2024-09-06 --to 2024-09-08`.

Params: `from`, `to` (local days YYYY-MM-DD, both included), `sources` (ids; empty = all).
Source-days without a capture are logged and skipped: backfill them with `mediamon_daily`.
A check of severity `fail` that fails (the rows loaded) fails its `reparse` task at once,
without retries. Each source-day re-parsed emits an event on the asset `mediamon_source_day`
(like the daily load), so `mediamon_stories` clusters those days again.
Loading converges to the rows a daily run with the current parser would write (same
`run_key` per day). The `mentions` task then counts the watchlist's terms again in the
re-parsed source-days (table `mentions`), without alerts.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from mediamon import tasks
from mediamon.assets import SOURCE_DAY, record_load
from mediamon.config import REPARSE_DAG_ID
from mediamon.window import DEFAULT_ZONE


@dag(
    dag_id=REPARSE_DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2024, 9, 1, tz=DEFAULT_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=tasks.default_args(retries=1),  # every step is idempotent
    params={
        "from": Param(type="string", format="date", description="First local day, YYYY-MM-DD"),
        "to": Param(type="string", format="date", description="Last local day (included)"),
        # reads the registry at every parse: a malformed one is this file's import error, one
        # line per problem naming the file, the source and the field
        "sources": tasks.sources_param("Source ids of the registry (empty: all)"),
    },
    tags=["mediamon", "reparse", "manual"],
    doc_md=__doc__,
)
def mediamon_reparse():
    @task
    def migrate():
        tasks.migrate()

    @task(multiple_outputs=False)  # one XCom, not one per key as well
    def plan() -> dict:
        context = get_current_context()
        return tasks.reparse_plan(context["params"], context["run_id"])

    @task
    def source_days(planned: dict) -> list[dict]:
        return planned["source_days"]

    # like the daily load: one event per source-day on mediamon_source_day, so
    # mediamon_stories clusters the re-parsed days again
    @task(
        max_active_tis_per_dagrun=2, map_index_template=tasks.BY_SOURCE, outlets=[SOURCE_DAY],
        multiple_outputs=False,
    )  # fmt: skip
    def reparse(source_id: str, day: str) -> dict:
        tasks.name_instance(source_id)
        summary = tasks.reparse(source_id, day)
        record_load(get_current_context()["outlet_events"], summary)
        return summary

    @task(trigger_rule="all_done")
    def report(planned: dict) -> list[dict]:
        return tasks.reparse_report(planned)

    @task(trigger_rule="all_done")
    def mentions(planned: dict) -> int:
        return tasks.reparse_mentions(planned)

    planned = plan()
    migrate() >> planned
    done = reparse.expand_kwargs(source_days(planned))
    done >> report(planned)
    done >> mentions(planned)


mediamon_reparse()
