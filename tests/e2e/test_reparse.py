"""Re-parsing stored days, through the DAG ``mediamon_reparse`` (dag.test()) and the CLI
``mediamon reparse``: not a single HTTP request, what an older parser wrote differently is
restored and reported per field; a failing data-quality gate is not retried."""

from __future__ import annotations

import os
from datetime import date

import psycopg2
import pytest
import yaml
from mediamon.backfill import backfill
from mediamon.cli import main
from mediamon.reparse import ReparseParamsError, parse_params
from support import DEMO, snapshot

FIRST, LAST = date(2024, 9, 6), date(2024, 9, 8)


def _reparse_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert not bag.import_errors
    return bag.get_dag("mediamon_reparse")


def test_reparse_reads_the_raw_store_only_and_reports_the_changes(
    airflow_db, warehouse, db, replay
):
    server = replay(DEMO)
    backfill(FIRST, LAST, lambda: psycopg2.connect(warehouse))
    current = snapshot(db)
    # what an older parser could have written: two dates an hour off, one title, old version
    with db.cursor() as cur:
        cur.execute("select canonical_url from articles order by canonical_url limit 3")
        first, second, third = (r[0] for r in cur.fetchall())
        cur.execute(
            "update articles set published_at = published_at - interval '1 hour', "
            "parser_version = '0.1.0' where canonical_url in (%s, %s)",
            (first, second),
        )
        cur.execute(
            "update articles set title = 'Старый заголовок' where canonical_url = %s", (third,)
        )
    db.commit()
    server.requests.clear()

    run = _reparse_dag().test(run_conf={"from": str(FIRST), "to": str(LAST), "sources": []})
    assert str(getattr(run.state, "value", run.state)) == "success"
    assert server.requests == []  # the replay server's log: not one request
    # one mediamon_source_day event per re-parsed day: mediamon_stories re-clusters them
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        extras = session.scalars(
            select(AssetEvent.extra).where(AssetEvent.source_run_id == run.run_id)
        ).all()
    assert sorted(e["day"] for e in extras) == [str(FIRST), "2024-09-07", str(LAST)]
    assert {e["source_id"] for e in extras} == {"exclusive_demo"}
    assert snapshot(db) == current  # the current parser's rows are back

    with db.cursor() as cur:
        cur.execute(
            "select source_id, field, changed, total, first_day, last_day from reparse_diffs "
            "where changed > 0 order by field"
        )
        changed = cur.fetchall()
        cur.execute("select count(*), min(total), max(total) from reparse_diffs")
        rows, low, high = cur.fetchone()
    db.rollback()
    assert changed == [
        ("exclusive_demo", "parser_version", 2, 7, FIRST, LAST),
        ("exclusive_demo", "published_at", 2, 7, FIRST, LAST),
        ("exclusive_demo", "title", 1, 7, FIRST, LAST),
    ]
    assert (low, high) == (7, 7) and rows > 20  # every compared field has its row, and (new)


def test_reparse_params_are_validated(monkeypatch):
    monkeypatch.setenv("MEDIAMON_SOURCES", str(DEMO / "sources.yaml"))
    assert parse_params({"from": "2024-09-06", "to": "2024-09-08"}) == (
        FIRST, LAST, ["exclusive_demo"],
    )  # fmt: skip
    for params, message in [
        ({"from": "6.9.2024", "to": "2024-09-08"}, "param 'from' must be a date YYYY-MM-DD"),
        ({"from": "2024-09-08", "to": "2024-09-06"}, "param 'to' (2024-09-06) is before 'from'"),
        ({"from": "2024-09-06", "to": "2024-09-08", "sources": ["nope"]}, "unknown sources"),
        ({"from": "2020-01-01", "to": "2024-09-08"}, "at most 366 days"),
    ]:
        with pytest.raises(
            ReparseParamsError, match=message.replace("(", r"\(").replace(")", r"\)")
        ):
            parse_params(params)


DAY = ["--from", str(LAST), "--to", str(LAST)]


def _diffs(db) -> dict[str, list[tuple]]:
    """reparse_key -> [(field, changed, total)] of the fields that changed (all: key present)."""
    with db.cursor() as cur:
        cur.execute("select reparse_key, field, changed, total from reparse_diffs order by 1, 2")
        rows = cur.fetchall()
    db.rollback()
    found: dict[str, list[tuple]] = {}
    for key, field, changed, total in rows:
        found.setdefault(key, [])
        if changed:
            found[key].append((field, changed, total))
    return found


def test_reparse_cli_reads_the_raw_store_only_and_reports_the_changes(
    warehouse, db, replay, capsys
):
    server = replay(DEMO)
    backfill(LAST, LAST, lambda: psycopg2.connect(warehouse))
    current = snapshot(db)
    server.requests.clear()

    assert main(["reparse", *DAY]) == 0
    out = capsys.readouterr().out
    assert "no article changed (7 compared, of 1 source)" in out
    assert f"reparse {LAST}..{LAST}: 1 loaded, 0 without a capture" in out
    assert server.requests == []  # the replay server's log: not one request
    assert snapshot(db) == current
    ((key, changed),) = _diffs(db).items()
    assert key.startswith("cli__") and changed == []

    with db.cursor() as cur:  # what an older parser could have written
        cur.execute(
            "update articles set title = 'Старый заголовок' where canonical_url = "
            "(select min(canonical_url) from articles)"
        )
        cur.execute("delete from mentions")  # counted again by the re-parse
    db.commit()
    assert len(current["mentions"]) == 2  # the packaged watchlist's Astana, twice
    assert main(["reparse", *DAY, "--source", "exclusive_demo"]) == 0
    out = capsys.readouterr().out.splitlines()
    table = [line.split() for line in out if line.startswith(("source_id", "exclusive_demo"))]
    assert table == [
        ["source_id", "field", "changed", "total"], ["exclusive_demo", "title", "1", "7"],
    ]  # fmt: skip
    assert server.requests == []
    assert snapshot(db) == current  # the current parser's title is back
    latest = max(_diffs(db).items())  # keys sort by their UTC time
    assert latest[1] == [("title", 1, 7)]


def test_a_failing_gate_fails_the_reparse_task_without_retries_and_the_cli_says_so(
    warehouse, db, replay, capsys, tmp_path, monkeypatch
):
    from airflow.sdk.exceptions import AirflowFailException
    from mediamon import tasks

    replay(DEMO)
    backfill(LAST, LAST, lambda: psycopg2.connect(warehouse))
    # the demo day has an undated article: make its check a gate
    registry = yaml.safe_load(open(os.environ["MEDIAMON_SOURCES"], encoding="utf-8"))
    registry["sources"][0]["severity"] = {"article.published_at.present": "fail"}
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True))
    monkeypatch.setenv("MEDIAMON_SOURCES", str(tmp_path / "sources.yaml"))

    # AirflowFailException: the Task SDK fails the task without using its retries
    with pytest.raises(AirflowFailException, match="article.published_at.present"):
        tasks.reparse("exclusive_demo", str(LAST))
    assert main(["reparse", *DAY]) == 1
    out = capsys.readouterr().out
    assert f"{LAST} exclusive_demo: failed: QualityGateFailed: " in out
    assert f"reparse {LAST}..{LAST}: 1 failed, 0 without a capture" in out


def test_reparse_cli_refuses_unknown_sources_and_says_when_nothing_is_stored(
    warehouse, capsys, monkeypatch
):
    monkeypatch.setenv("MEDIAMON_SOURCES", str(DEMO / "sources.yaml"))
    assert main(["reparse", *DAY, "--source", "nope"]) == 2
    assert "param 'sources': unknown sources" in capsys.readouterr().err
    assert main(["reparse", *DAY]) == 1  # a fresh data folder: no capture
    assert "nothing to re-parse: no source-day of exclusive_demo has a capture" in (
        capsys.readouterr().out
    )


def test_reparse_says_unreachable_as_backfill_does(warehouse, db, replay, capsys):
    """Issue 20 item 6: one vocabulary and one exit code for both commands; the 5th (the
    demo's lists do not reach it) is unreachable in a re-parse too, not "loaded"."""
    replay(DEMO)
    fifth = date(2024, 9, 5)
    backfill(fifth, FIRST, lambda: psycopg2.connect(warehouse))
    assert main(["reparse", "--from", str(fifth), "--to", str(FIRST)]) == 1
    out = capsys.readouterr().out
    assert f"{fifth} exclusive_demo: unreachable: cannot reach this day: read on 2024-09-08" in out
    assert f"reparse {fifth}..{FIRST}: 1 loaded, 1 unreachable, 0 without a capture" in out
