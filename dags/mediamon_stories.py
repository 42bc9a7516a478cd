"""
### mediamon_stories

Data-aware: runs whenever a source's day lands in the warehouse, i.e. on every event of the
asset `mediamon_source_day` (emitted by each `load` of `mediamon_daily`, with the source, the
local day and the rows loaded per table in its extra; see the Assets view).

For each local day named by the triggering events, `cluster` groups that day's headlines and
articles of **all** sources into stories (near-duplicates across outlets, table
`story_clusters`). `mediamon_daily` clusters its own day too; this DAG keeps the clusters
current when a source's day is loaded later by itself (a reparse, a backfill of one source,
a retried load). Clustering is idempotent: running it twice for a day changes nothing.

No params: the days come from the asset events. Triggered by hand without events it does
nothing.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task
from mediamon import tasks
from mediamon.assets import SOURCE_DAY, loaded_days
from mediamon.config import STORIES_DAG_ID
from mediamon.window import DEFAULT_ZONE


@dag(
    dag_id=STORIES_DAG_ID,
    schedule=[SOURCE_DAY],
    start_date=pendulum.datetime(2024, 9, 1, tz=DEFAULT_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=tasks.default_args(retries=2),
    tags=["mediamon", "stories", "data-aware"],
    doc_md=__doc__,
)
def mediamon_stories():
    @task
    def days() -> list[str]:
        return loaded_days(get_current_context()["triggering_asset_events"])

    # mapped instances named by their day; the dict is one XCom (not one per key as well)
    @task(map_index_template="{{ mediamon_day }}", multiple_outputs=False)
    def cluster(day: str) -> dict:
        get_current_context()["mediamon_day"] = day
        return tasks.cluster_stories([{"day": day}])

    cluster.expand(day=days())


mediamon_stories()
