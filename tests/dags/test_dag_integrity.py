"""DAG integrity: every DAG imports cleanly, fast, and carries what operations need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

DAGS = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))


@pytest.fixture(scope="module")
def dagbag():
    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "mediamon_daily" in dagbag.dag_ids


def test_every_dag_is_documented_owned_tagged_and_retried(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md and len(dag.doc_md) > 100, dag_id
        assert dag.tags, dag_id
        assert dag.catchup is False, dag_id
        # triggered by people only (mediamon_reparse): no schedule, and the tag says so
        manual = type(dag.timetable).__name__ == "NullTimetable" and "manual" in dag.tags
        assert manual or type(dag.timetable).__name__ != "NullTimetable", dag_id
        assert type(dag.timetable).__name__ != "OnceTimetable", dag_id
        for task in dag.tasks:
            assert task.owner not in (None, "airflow"), f"{dag_id}.{task.task_id}"
            assert task.retries >= 1, f"{dag_id}.{task.task_id}"
            assert task.execution_timeout is not None, f"{dag_id}.{task.task_id} may hang"


def test_daily_dag_has_real_daily_intervals(dagbag):
    """Airflow 3's "@daily" gives zero-width intervals; ours must span one local day, and a
    manual run's interval is the local day of its logical date (not the day before)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import DataInterval, TimeRestriction

    dag = dagbag.dags["mediamon_daily"]
    # a serialize/deserialize round trip: the timetable is registered (entry-point plugin)
    timetable = coerce_to_core_timetable(dag.timetable)
    assert type(timetable).__name__ == "LocalDayTimetable"
    almaty = ZoneInfo("Asia/Almaty")
    day = DataInterval(datetime(2024, 9, 8, tzinfo=almaty), datetime(2024, 9, 9, tzinfo=almaty))
    for logical in (
        datetime(2024, 9, 8, 0, 0, tzinfo=almaty),
        datetime(2024, 9, 8, 23, 59, tzinfo=almaty),
    ):
        assert timetable.infer_manual_data_interval(run_after=logical) == day
    scheduled = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(
            datetime(2024, 9, 7, tzinfo=almaty), datetime(2024, 9, 8, tzinfo=almaty)
        ),
        restriction=TimeRestriction(earliest=None, latest=None, catchup=True),
    )
    assert scheduled.data_interval == day and scheduled.logical_date == day.start


# What makes a DAG file slow to parse: libraries only a task needs (imported inside it).
HEAVY = ("great_expectations", "pandas", "numpy", "sklearn", "trafilatura", "pyarrow",
         "dateparser", "lxml", "bs4", "feedparser", "alembic", "psycopg2")  # fmt: skip


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_parse_imports_no_task_library(path):
    """The dag-processor parses each file every 30 s: no heavy import at its top level
    (checked by name, not timed: a timing fails on a busy machine and says nothing why)."""
    code = (
        "import sys, runpy, airflow.sdk, pendulum; before = set(sys.modules); "
        f"runpy.run_path({str(path)!r}); "
        "print(' '.join(sorted({m.split('.')[0] for m in set(sys.modules) - before})))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)  # fmt: skip
    imported = set(out.stdout.split())
    assert "mediamon" in imported  # the check sees the file's own imports
    assert not imported & set(HEAVY), f"{path.name} imports {sorted(imported & set(HEAVY))}"


@pytest.mark.parametrize("dag_file", ["mediamon_daily.py", "mediamon_reparse.py"])
def test_a_broken_registry_is_an_import_error_naming_file_source_and_field(
    tmp_path, monkeypatch, dag_file
):
    """The UI lists a malformed registry as the DAG file's import error, one line per problem,
    instead of the run's `plan` task failing after its retries."""
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        "sources:\n  - id: alpha\n    homepage: https://alpha.example/\n    languages: [ru]\n"
        "    timezone: Asia/Almati\n    listing:\n      - {id: front, url: https://alpha.example/}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("MEDIAMON_SOURCES", str(registry))
    bag = DagBag(dag_folder=str(DAGS / dag_file))
    (error,) = bag.import_errors.values()
    assert f"{registry}: sources[0] (alpha).timezone: unknown IANA time zone 'Asia/Almati'" in error
    assert f"{registry}: sources[0] (alpha): unknown key 'listing'" in error
    assert not bag.dags


@pytest.mark.parametrize("dag_id", ["mediamon_daily", "mediamon_reparse"])
def test_the_trigger_form_offers_and_checks_the_registry_ids(dagbag, dag_id):
    """Issue 20 item 5: an unknown source id is refused by the form (the params schema), not
    accepted and retried."""
    from airflow.sdk.definitions.param import ParamValidationError
    from mediamon.config import select_sources

    param = dagbag.dags[dag_id].params.get_param("sources")
    ids = select_sources()
    assert param.schema["items"]["enum"] == ids and param.schema["examples"] == ids
    assert param.resolve(ids[:1]) == ids[:1] and param.resolve([]) == []
    with pytest.raises(ParamValidationError):
        param.resolve(["exclusive_dmeo"])


def test_plan_fails_an_unknown_source_without_retries():
    from airflow.sdk.exceptions import AirflowFailException
    from mediamon import tasks

    with pytest.raises(AirflowFailException, match="unknown sources.*nope"):
        tasks.plan({}, only=["nope"])
