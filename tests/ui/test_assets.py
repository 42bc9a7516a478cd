"""Data-aware scheduling: mediamon_daily's loads emit mediamon_source_day, mediamon_stories
is scheduled on it, and the extras carry the source, the day and the row counts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import Asset
from airflow.sdk.execution_time.context import OutletEventAccessors
from mediamon.assets import SOURCE_DAY, loaded_days, record_load

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    return DagBag(dag_folder=str(DAGS))


def test_daily_load_emits_the_asset_and_stories_is_scheduled_on_it(dagbag):
    daily = dagbag.dags["mediamon_daily"]
    emitting = [t.task_id for t in daily.tasks if SOURCE_DAY in (t.outlets or [])]
    assert emitting == ["source.load"]

    stories = dagbag.dags["mediamon_stories"]
    assert type(stories.timetable).__name__ == "AssetTriggeredTimetable"
    assert stories.timetable.asset_condition.objects == (SOURCE_DAY,)


def test_reparse_emits_the_asset_too(dagbag):
    reparse = dagbag.dags["mediamon_reparse"]
    assert [t.task_id for t in reparse.tasks if SOURCE_DAY in (t.outlets or [])] == ["reparse"]


def test_mapped_instances_are_named(dagbag):
    """The names themselves are checked on a real run (tests/ui/test_stack.py)."""
    tasks = {t.task_id: t for t in dagbag.dags["mediamon_daily"].tasks}
    for stage in ("fetch", "parse", "validate", "load"):
        assert tasks[f"source.{stage}"].map_index_template == "{{ mediamon_source }}", stage
    (reparse,) = [t for t in dagbag.dags["mediamon_reparse"].tasks if t.task_id == "reparse"]
    assert reparse.map_index_template == "{{ mediamon_source }}"
    for dag_file in ("mediamon_daily.py", "mediamon_reparse.py"):
        text = (DAGS / dag_file).read_text(encoding="utf-8")
        assert "tasks.name_instance(source_id)" in text, dag_file


def test_record_load_sets_counts_in_the_extra():
    events = OutletEventAccessors()
    summary = {
        "source": "exclusive_demo", "day": "2024-09-08", "fetches": 25, "articles": 7,
        "headlines": 32, "quarantine": 2, "alerts": ["drop in bylines"],
    }  # fmt: skip
    extra = record_load(events, summary)
    assert events[SOURCE_DAY].extra == extra == {
        "source_id": "exclusive_demo", "day": "2024-09-08", "fetches": 25, "articles": 7,
        "headlines": 32, "quarantine": 2, "alerts": 1,
    }  # fmt: skip


def test_loaded_days_reads_the_days_of_the_events_only():
    other = Asset(name="something_else", uri="mediamon://elsewhere")
    events = {
        SOURCE_DAY: [
            SimpleNamespace(extra={"source_id": "a", "day": "2024-09-08"}),
            SimpleNamespace(extra={"source_id": "b", "day": "2024-09-07"}),
            SimpleNamespace(extra={"source_id": "b", "day": "2024-09-08"}),
            SimpleNamespace(extra={}),  # created by hand in the UI: no day
        ],
        other: [SimpleNamespace(extra={"day": "2020-01-01"})],
    }
    assert loaded_days(events) == ["2024-09-07", "2024-09-08"]
