"""Backfill without a scheduler (``mediamon backfill``) over the demo capture: resumable,
never fetching a stored day again, idempotent in any order, and honest about days a source
cannot reach."""

from __future__ import annotations

from datetime import date

import psycopg2
from mediamon.backfill import backfill
from mediamon.cli import main
from support import DEMO, DEMO_HOST, snapshot, waits_for_the_host_lock

SEP = [date(2024, 9, d) for d in (5, 6, 7, 8)]
HEADLINES = 32  # the demo's lists: 7 feed items (one quarantined: dated 2044) + 13 + 12


def _per_day(db, sql: str) -> dict:
    with db.cursor() as cur:
        cur.execute(sql)
        rows = {r[0]: r[1:] if len(r) > 2 else r[1] for r in cur.fetchall()}
    db.rollback()
    return rows


def test_backfill_cli_loads_each_day_and_says_which_it_cannot_reach(
    warehouse, db, monkeypatch, capsys
):
    # the CLI points the pipeline at its replay server: let monkeypatch restore the env after
    monkeypatch.setenv("MEDIAMON_REPLAY", "")
    monkeypatch.setenv("MEDIAMON_SOURCES", "")
    argv = ["backfill", "--from", "2024-09-05", "--to", "2024-09-07", "--capture", str(DEMO)]
    assert main(argv) == 1  # a source-day could not be reached: not a clean exit
    out = capsys.readouterr().out
    assert (
        "2024-09-05 exclusive_demo: unreachable: cannot reach this day: read on 2024-09-08, "
        "its lists reach back only to 2024-09-06 11:05, and no date archive or sitemap "
        "covers the day"
    ) in out
    assert "backfill 2024-09-05..2024-09-07: 2 loaded, 1 unreachable" in out

    coverage = _per_day(
        db,
        "select day, promised, captured, missing, reachable, flagged from source_day_coverage",
    )
    assert coverage == {
        SEP[0]: (0, 0, 0, False, True),  # the feed starts on the 6th: nothing reaches the 5th
        SEP[1]: (2, 2, 0, True, False),  # two feed items dated the 6th, both captured
        SEP[2]: (2, 2, 0, True, False),
    }
    # the unreachable day keeps its fetches and checks, but is not loaded as an empty day
    assert _per_day(db, "select day, count(*) from sightings group by 1") == {
        SEP[1]: HEADLINES, SEP[2]: HEADLINES,
    }  # fmt: skip
    assert _per_day(db, "select day, articles from source_day_metrics") == {SEP[1]: 7, SEP[2]: 7}
    assert _per_day(db, "select day, count(*) from fetches group by 1") == {
        SEP[0]: 25, SEP[1]: 25, SEP[2]: 25,
    }  # fmt: skip
    assert set(_per_day(db, "select day, count(*) from dq_results group by 1")) == set(SEP[:3])

    assert main(argv) == 1  # resumed: the finished days are skipped, the 5th is still out of reach
    out = capsys.readouterr().out
    assert (
        "2 skipped, 1 unreachable" in out and "(as before; --refetch fetches the day again)" in out
    )
    assert main(["coverage", "--from", "2024-09-01", "--to", "2024-09-30", "--flagged"]) == 0
    flagged = capsys.readouterr().out.splitlines()[1:]
    assert [line.split()[:2] for line in flagged] == [["2024-09-05", "exclusive_demo"]]


def test_backfill_resumes_never_refetches_and_is_idempotent_in_any_order(warehouse, db, replay):
    server = replay(DEMO)
    connect = lambda: psycopg2.connect(warehouse)  # noqa: E731
    seen, first = [], []

    def run():  # waits while another crawl (a DAG run's, a worker's) holds the demo host
        first.extend(backfill(SEP[1], SEP[3], connect, progress=seen.append))

    waits_for_the_host_lock(server, warehouse, DEMO_HOST, run, 3 * 25)
    assert [(o.day, o.status) for o in first] == [(d, "loaded") for d in SEP[1:]]
    assert seen == first  # one progress call per source-day
    # is_new means "published that local day": a backfilled day read from the capture of the
    # 8th sees items of the 7th and 8th, and they are not new on the 6th
    wrong = _per_day(
        db,
        "select day, count(*) from sightings where is_new"
        " and (published_at at time zone 'Asia/Almaty')::date <> day group by 1",
    )
    assert wrong == {}
    assert _per_day(db, "select day, count(*) from sightings where is_new group by 1") != {}
    assert len(server.requests) == 3 * 25  # each day fetched once
    before = snapshot(db)
    assert [r[1] for r in before["source_day_coverage"]] == SEP[1:]

    again = backfill(SEP[1], SEP[3], connect)
    assert [o.status for o in again] == ["skipped"] * 3
    assert snapshot(db) == before

    backfill(SEP[1], SEP[3], connect, force=True)  # everything again, from the raw store
    assert snapshot(db) == before
    for day in reversed(SEP[1:]):  # and day by day, newest first
        (outcome,) = backfill(day, day, connect, force=True)
        assert outcome.status == "loaded"
    assert snapshot(db) == before
    assert len(server.requests) == 3 * 25  # a stored day is never fetched again
