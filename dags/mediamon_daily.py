"""
### mediamon_daily

Every local day (Asia/Almaty), for each source in the registry: **fetch** its feeds, listings
and sitemaps and the articles they link into a raw WARC capture, **parse** the capture into
articles and headlines, **validate** them with Great Expectations (failing rows go to
`quarantine` with their reasons, results to `dq_results`), and **load** them into PostgreSQL
(connection `mediamon_db`) with idempotent upserts.

Then, side by side, `cluster_stories` groups the day's headlines of all sources into stories
(near-duplicates: the same story reworded or reprinted, table `story_clusters`),
`export_partitions` writes the day's Parquet partitions for notebooks and data lakes
(`day=YYYY-MM-DD/source=ID/articles.parquet`, `headlines.parquet` under `MEDIAMON_EXPORT_DIR`,
default `var/exports`; a rerun rewrites them; skipped when `MEDIAMON_EXPORT_DIR=off`),
`stopped_lists` alerts on lists that stopped yielding, `summarize` logs the per-source
summary and fails the run if a source did not load, and `mentions` counts the watchlist's
terms (`MEDIAMON_WATCHLIST`) in the day's articles and headlines (table `mentions`) and
alerts a term whose daily count rises above its trailing 14-day baseline (once per day and
term).

One run covers one local day [00:00, 24:00): the data interval of the run, for scheduled
runs, backfills and manual runs with a logical date alike (a manual run for 2024-09-08 shows
the interval 2024-09-08 00:00 - 2024-09-09 00:00 and loads the 8th). A manual run without a
logical date covers today so far and says so in the `plan` task's log.

Sources are mapped: one failing source does not stop the others. Running a day again
converges to the same rows; a day that already has a capture is not fetched again.

Each source's successful `load` emits an event on the asset `mediamon_source_day` with the
source, the local day and the rows loaded per table in its extra: `mediamon_stories` is
scheduled on it (data-aware). The monitoring page (menu "mediamon", or `/mediamon/`) shows
volumes, DQ pass rates, quarantine and drift per source and day.

Data-quality drift (a source's bylines, dates or volume falling against its trailing 14 days),
`stopped_lists` (a feed, listing or sitemap that yielded on its trailing 7 days and yields
nothing today: a site redesign) and failed tasks raise alerts: logged, and sent to the
webhook of the connection `mediamon_alerts` when it exists.

In the grid, the mapped instances of the `source` group are named by their source id.

Params (for a manual run, "Trigger" in the UI): `sources`, the source ids to run, chosen
among the registry's ids (empty = every source). The form refuses an id the registry does
not know; a run triggered through the API with one fails `plan` at once (no retries) with the
list of known ids.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task, task_group
from mediamon import tasks
from mediamon.assets import SOURCE_DAY, record_load
from mediamon.config import DAILY_DAG_ID
from mediamon.timetable import LocalDayTimetable
from mediamon.window import DEFAULT_ZONE

BY_SOURCE = tasks.BY_SOURCE  # mapped instances named by source id


@dag(
    dag_id=DAILY_DAG_ID,
    schedule=LocalDayTimetable(DEFAULT_ZONE),
    # early: a run or backfill of any day a capture holds (the real front pages are of 2018);
    # catchup=False keeps the scheduler to the latest day
    start_date=pendulum.datetime(2000, 1, 1, tz=DEFAULT_ZONE),
    catchup=False,
    max_active_runs=4,
    default_args=tasks.default_args(retries=2),
    params={
        # reads the registry at every parse: a malformed one is this file's import error, one
        # line per problem naming the file, the source and the field
        "sources": tasks.sources_param("Source ids of the registry to run (empty: every source)")
    },
    tags=["mediamon", "daily", "ingest"],
    doc_md=__doc__,
)
def mediamon_daily():
    @task
    def migrate():
        tasks.migrate()

    @task
    def plan() -> list[dict]:
        context = get_current_context()
        return tasks.plan(context, only=context["params"]["sources"])

    @task_group(group_id="source")
    def per_source(source_id: str, day: str):
        # mapped instances are named by their source in the UI (map_index_template), not 0, 1…
        # I/O bound: its own Celery queue, served with high concurrency (docs/scaling.md)
        @task(map_index_template=BY_SOURCE, queue=tasks.FETCH_QUEUE)
        def fetch(source_id: str, day: str) -> str:
            tasks.name_instance(source_id)
            return tasks.fetch(source_id, day)

        @task(map_index_template=BY_SOURCE)
        def parse(source_id: str, day: str, capture: str) -> str:
            tasks.name_instance(source_id)
            return tasks.parse(source_id, day, capture)

        @task(map_index_template=BY_SOURCE)
        def validate(source_id: str, day: str, batch: str) -> str:
            tasks.name_instance(source_id)
            return tasks.validate(source_id, day, batch)

        # one event per source on the asset mediamon_source_day, row counts in its extra; the
        # summary is one XCom (a dict return would push each key too: multiple_outputs)
        @task(map_index_template=BY_SOURCE, outlets=[SOURCE_DAY], multiple_outputs=False)
        def load(source_id: str, day: str, validated: str) -> dict:
            tasks.name_instance(source_id)
            summary = tasks.load(source_id, day, validated)
            record_load(get_current_context()["outlet_events"], summary)
            return summary

        captured = fetch(source_id, day)
        parsed = parse(source_id, day, captured)
        validated = validate(source_id, day, parsed)
        return load(source_id, day, validated)

    @task(trigger_rule="all_done")
    def summarize(planned: list[dict]) -> list[dict]:
        return tasks.summarize(planned)

    @task(trigger_rule="all_done", multiple_outputs=False)
    def cluster_stories(planned: list[dict]) -> dict:
        return tasks.cluster_stories(planned)

    @task(trigger_rule="all_done", multiple_outputs=False)
    def mentions(planned: list[dict]) -> dict:
        return tasks.mentions(planned)

    @task(trigger_rule="all_done", multiple_outputs=False)
    def export_partitions(planned: list[dict]) -> dict:
        return tasks.export_partitions(planned)

    # a feed or list that yielded on its trailing days and yields nothing today: an alert
    @task(trigger_rule="all_done")
    def stopped_lists(planned: list[dict]) -> list[dict]:
        return tasks.stopped_lists(planned)

    sources = plan()
    migrate() >> sources
    loaded = per_source.expand_kwargs(sources)
    # five leaves: the run is red when one fails (a source did not load, clustering broke,
    # the watchlist is malformed, a partition could not be written); stopped_lists only alerts
    loaded >> cluster_stories(sources)
    loaded >> summarize(sources)
    loaded >> stopped_lists(sources)
    loaded >> mentions(sources)
    loaded >> export_partitions(sources)  # Parquet for notebooks; skipped when turned off


mediamon_daily()
