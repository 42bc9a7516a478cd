"""mediamon_reparse through dag.test(): re-parse three stored days without a single HTTP
request, restore what an older parser wrote differently, and report it per field."""

from __future__ import annotations

import os
from datetime import date

import psycopg2
import pytest
from mediamon.backfill import backfill
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
