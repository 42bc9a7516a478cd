"""mediamon_daily over the demo capture (our own exclusive.kz-like site), through dag.test().

The truth is ``include/mediamon/demo/exclusive/expected.json``, written by hand with the pages.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from mediamon.devtools.runner import run_daily
from mediamon.text.urls import canonicalize_url
from support import DEMO, snapshot

DAY = date(2024, 9, 8)
EXPECTED = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))
RECORDED = datetime(2024, 9, 8, 14, 0, tzinfo=UTC)  # urls.tsv fetched_at
FUTURE_ITEM = "https://exclusive.kz.example/news/2024/09/08/almatyda-kuzgi-zharmenke-bastaldy.html"


SITE = "https://exclusive.kz.example"


def test_demo_day_loads_exact_rows_and_is_idempotent(airflow_db, warehouse, db, replay):
    replay(DEMO)
    assert run_daily(DAY) == "success"

    with db.cursor() as cur:
        cur.execute(
            "select canonical_url, title, authors, authors_status, published_at, section, "
            "language from articles order by canonical_url"
        )
        articles = {row[0]: row[1:] for row in cur.fetchall()}
    dated = [a for a in EXPECTED["articles"] if a["published_at"]]
    assert len(articles) == len(dated) == 7
    for a in dated:
        got = articles[canonicalize_url(a["url"])]
        assert got[0] == a["title"]
        assert got[1] == a["authors"]
        assert got[2] == a["authors_status"]
        assert got[3] == datetime.fromisoformat(a["published_at"])
        assert got[4] == a["section"]
        assert got[5] == a["language"]

    with db.cursor() as cur:
        cur.execute(
            "select list_id, position, s.title, canonical_url, byline from sightings s "
            "join headlines using (source_id, list_id, canonical_url) "
            "order by list_id, position"
        )
        sightings = cur.fetchall()
    for list_id, items in EXPECTED["lists"].items():
        got = [(p, t, u) for lid, p, t, u, _ in sightings if lid == list_id]
        want = [
            (i["position"], i["title"], canonicalize_url(i["url"]))
            for i in items
            if not (list_id == "rss" and i["url"] == FUTURE_ITEM)
        ]
        assert got == want, list_id
    with db.cursor() as cur:  # new today: the feed's 8 September items; older ones labelled
        cur.execute("select list_id, is_new, count(*) from sightings group by 1, 2 order by 1, 2")
        assert cur.fetchall() == [
            ("rss", False, 4), ("rss", True, 3), ("society", None, 13), ("ticker", None, 12),
        ]  # fmt: skip
    bylines = {(lid, u): b for lid, _, _, u, b in sightings}
    for item in EXPECTED["lists"]["society"]:
        assert bylines["society", canonicalize_url(item["url"])] == item["byline"]
    for item in EXPECTED["lists"]["rss"]:
        if item["url"] != FUTURE_ITEM:  # RSS <author> "email (Name)" gives the name
            assert bylines["rss", canonicalize_url(item["url"])] == item["author"]

    with db.cursor() as cur:
        cur.execute("select record_kind, record_key, reasons from quarantine order by 1")
        quarantine = cur.fetchall()
        cur.execute("select check_name from dq_results where not success order by 1")
        failed_checks = [r[0] for r in cur.fetchall()]
        cur.execute(
            "select count(*), count(*) filter (where status = 404), "
            "count(*) filter (where kind = 'article' and status = 200) from fetches"
        )
        fetched, missing, article_pages = cur.fetchone()
    # replayed pages are dated when they were recorded (Memento-Datetime), not replayed
    with db.cursor() as cur:
        cur.execute("select distinct fetched_at from fetches where status = 200")
        assert cur.fetchall() == [(RECORDED,)]
        cur.execute("select distinct first_seen, last_seen from articles")
        assert cur.fetchall() == [(RECORDED, RECORDED)]
    assert quarantine == [
        ("article", "https://exclusive.kz.example/archives/98231", ["published_at missing"]),
        ("headline", f"rss|3|{FUTURE_ITEM}", ["published_at after fetch time"]),
    ]
    assert failed_checks == ["article.published_at.present", "headline.published_at.not_future"]
    with db.cursor() as cur:  # each failing check names its rows
        cur.execute(
            "select check_name, unexpected_sample, observed from dq_results "
            "where not success order by 1"
        )
        assert cur.fetchall() == [
            ("article.published_at.present", ["https://exclusive.kz.example/archives/98231/"],
             {"unexpected_percent": 100 / 8}),
            ("headline.published_at.not_future", [FUTURE_ITEM], {"unexpected_percent": 100 / 33}),
        ]  # fmt: skip
    linked = {canonicalize_url(i["url"]) for items in EXPECTED["lists"].values() for i in items}
    # 4 list pages (feed, 2 listing pages, ticker) + every linked article once, 404 if unrecorded
    assert fetched == 4 + len(linked)
    assert article_pages == len(EXPECTED["articles"]) == 8
    assert missing == len(linked) - 8
    with db.cursor() as cur:  # every exchange accounted for: loaded, quarantined or refused
        cur.execute("select observed from dq_results where check_name = 'batch.reconciliation'")
        (observed,) = cur.fetchone()
    assert observed == {
        "fetched": fetched, "loaded": fetched - missing - 1, "quarantined": 1,
        "refused": missing, "refused_reasons": {"HTTP 404": missing},
    }  # fmt: skip
    with db.cursor() as cur:  # the packaged watchlist's terms in the day's items
        cur.execute("select term_id, place, url, count from mentions order by 1, 2, 3")
        assert cur.fetchall() == [  # Астаны in a lead, В Астане in a title
            ("astana", "lead", f"{SITE}/news/2024/09/08/v-karagande-projdet-festival-ulichnogo-"
             "teatra.html", 1),
            ("astana", "title", f"{SITE}/news/2024/09/08/v-astane-izmenyatsya-skhemy-trekh-"
             "avtobusnykh-marshrutov.html", 1),
        ]  # fmt: skip
    db.rollback()

    before = snapshot(db)
    assert run_daily(DAY) == "success"
    assert snapshot(db) == before


def test_manual_run_without_logical_date_covers_today(airflow_db, warehouse, db, replay):
    from zoneinfo import ZoneInfo

    replay(DEMO)
    today = datetime.now(ZoneInfo("Asia/Almaty")).date()
    # the demo is a recording of 2024-09-08: today cannot be seen through it (issue 20 item 6),
    # and the run says so instead of loading the 8th's lists as today's
    assert run_daily(None) == "failed"
    with db.cursor() as cur:
        cur.execute("select distinct day, run_key from dq_results")
        assert cur.fetchall() == [(today, f"mediamon_daily:{today}")]
        cur.execute("select day, reachable, reason from source_day_coverage")
        assert cur.fetchall() == [
            (today, False, "cannot reach this day: its lists were read on 2024-09-08, "
             "before the day began"),
        ]  # fmt: skip
        cur.execute("select count(*) from sightings")
        assert cur.fetchone() == (0,)
        cur.execute("select count(*) from articles")
        assert cur.fetchone() == (7,)
    db.rollback()


def test_one_failing_source_does_not_stop_the_others(
    airflow_db, warehouse, db, replay, monkeypatch, tmp_path
):
    import os
    from pathlib import Path

    import yaml

    replay(DEMO)
    registry = yaml.safe_load(Path(os.environ["MEDIAMON_SOURCES"]).read_text(encoding="utf-8"))
    broken = {**registry["sources"][0], "id": "broken_demo"}
    registry["sources"].append(broken)
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("MEDIAMON_SOURCES", str(path))
    monkeypatch.setenv("MEDIAMON_RETRY_DELAY_SECONDS", "0")
    # the broken source's raw store cannot be written: its folder is taken by a file
    raw = Path(os.environ["MEDIAMON_DATA_DIR"]) / "raw"
    raw.mkdir(parents=True)
    (raw / "broken_demo").write_text("not a folder")

    assert run_daily(DAY) == "failed"  # the run says a source did not load...
    with db.cursor() as cur:  # ...and the healthy source loaded all the same
        cur.execute("select source_id, count(*) from articles group by 1")
        assert cur.fetchall() == [("exclusive_demo", 7)]
        cur.execute("select distinct source_id from dq_results")
        assert cur.fetchall() == [("exclusive_demo",)]
    db.rollback()


def test_a_run_that_loaded_nothing_is_not_green(airflow_db, warehouse, replay, monkeypatch):
    import json as _json
    import os

    replay(DEMO)
    conn = _json.loads(os.environ["AIRFLOW_CONN_MEDIAMON_DB"])
    monkeypatch.setenv("AIRFLOW_CONN_MEDIAMON_DB", _json.dumps({**conn, "schema": "no_such_db"}))
    monkeypatch.setenv("MEDIAMON_RETRY_DELAY_SECONDS", "0")
    # migrate fails, so nothing is planned; summarize still runs (all_done) and must fail
    assert run_daily(DAY) == "failed"


def test_make_run_prints_the_stages_and_the_summary_not_airflows_log(
    airflow_db, warehouse, monkeypatch, capsys
):
    """Issue 20 item 1: `make run` prints the stages per source, the summary and where the log
    is (under 40 lines); Airflow's and the tasks' log output go to that file."""
    from mediamon.cli import main
    from mediamon.config import data_dir

    monkeypatch.setenv("MEDIAMON_REPLAY", "")  # the CLI points the pipeline at its replay
    monkeypatch.setenv("MEDIAMON_SOURCES", "")
    code = main(["run", "--capture", str(DEMO), "--date", "2024-09-08"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0, lines
    assert len(lines) < 40, lines
    assert not [line for line in lines if "[info" in line or "[warning" in line], lines
    stages = [line.split() for line in lines if line.startswith("  exclusive_demo")]
    assert [s[1:3] for s in stages] == [
        ["fetch", "success"], ["parse", "success"], ["validate", "success"], ["load", "success"],
    ], lines  # fmt: skip
    assert lines[-3].split()[:5] == ["exclusive_demo", "25", "13", "7", "32"], lines
    log = data_dir() / "logs" / "run-2024-09-08.log"
    assert lines[-1] == f"mediamon_daily 2024-09-08: success (log: {log})"
    assert "[DAG TEST] end task task_id=source.load" in log.read_text(encoding="utf-8")
