"""A run's verdict is about the sources it planned (issue 19 item 7): another source of the
same day in the warehouse, unreachable or failing a gated check (an earlier live backfill,
say), does not fail it; a planned one still does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faultkit import DAY, article_html, rss, source_entry, write_registry
from mediamon import batches, pipeline, tasks
from mediamon.fetch.warcstore import CaptureWriter

AT = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)


def _capture(sid: str, *, reachable: bool) -> str:
    """A capture of ``sid`` for :data:`DAY`: a feed with one article, or a feed that gave no
    answer (the day cannot be reached)."""
    base = f"http://{sid}.test"
    path = batches.capture_path(sid, DAY)
    with CaptureWriter(path) as writer:
        if not reachable:
            writer.write_failure(f"{base}/rss.xml", "ConnectionError: refused", fetched_at=AT,
                                 kind="feed", list_id="rss")  # fmt: skip
            return str(path)
        writer.write_response(
            f"{base}/rss.xml", 200, "OK", [("Content-Type", "application/rss+xml")],
            rss([("Новость", f"{base}/a")]), fetched_at=AT, kind="feed", list_id="rss",
        )  # fmt: skip
        writer.write_response(f"{base}/a", 200, "OK", [("Content-Type", "text/html")],
                              article_html("Новость"), fetched_at=AT, kind="article")  # fmt: skip
    return str(path)


@pytest.fixture(scope="module")
def day(module_env, module_db, tmp_path_factory):
    """``planned`` loads fine; ``down`` cannot reach the day and has a failed check of
    severity fail (as an earlier live backfill of it would leave)."""
    db = module_db[1]
    entries = [
        source_entry(sid, f"http://{sid}.test/", f"http://{sid}.test/rss.xml")
        for sid in ("planned", "down")
    ]
    write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", entries, module_env)
    pipeline.process_capture("planned", DAY, _capture("planned", reachable=True), db)
    pipeline.process_capture("down", DAY, _capture("down", reachable=False), db)
    with db.cursor() as cur:  # a gated check that failed for a source this run did not plan
        cur.execute(
            "insert into dq_results (run_key, check_name, source_id, day, success, severity, "
            "evaluated, unexpected) values ('backfill', 'drift.articles', 'down', %s, false, "
            "'fail', 1, 1)",
            (DAY,),
        )
    db.commit()
    return db


def test_sources_the_run_did_not_plan_do_not_fail_it(day):
    rows = tasks.summarize([{"source_id": "planned", "day": DAY}])
    assert [r["source"] for r in rows] == ["planned"]


def test_a_planned_source_that_cannot_reach_the_day_still_fails_it(day):
    from airflow.sdk.exceptions import AirflowFailException

    planned = [{"source_id": "planned", "day": DAY}, {"source_id": "down", "day": DAY}]
    with pytest.raises(AirflowFailException, match="down"):
        tasks.summarize(planned)
