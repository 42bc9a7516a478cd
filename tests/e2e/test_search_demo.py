"""Search over the demo day as a run loads it; migration 0008 down and up again over its rows.

The day is loaded by ``backfill`` (the daily chain's stage functions, without Airflow):
test_daily_real asserts that it leaves the same rows as ``dag.test()``, and test_daily_demo
runs this day through ``dag.test()``.
"""

from __future__ import annotations

from datetime import date

import psycopg2
from mediamon.backfill import backfill, exit_code
from mediamon.load.schema import upgrade
from mediamon.search import search
from support import DEMO, downgrade

DAY = date(2024, 9, 8)
ASTANA = "https://exclusive.kz.example/news/2024/09/08/v-astane-izmenyatsya-skhemy-trekh-avtobusnykh-marshrutov.html"  # noqa: E501
LIBRARY = "https://exclusive.kz.example/news/2024/09/07/shymkentte-zhana-kitaphana-ashyldy.html"


def _found(db) -> dict[str, list[tuple]]:
    found = {
        q: sorted((h.kind, h.source_id, h.url) for h in search(db, q, limit=100))
        for q in ("Астана", "кітапхана", '"автобусных маршрутов"', "маршрут*")
    }
    db.commit()
    return found


def test_the_demo_day_is_searchable_and_0008_goes_down_and_up_over_it(warehouse, db, replay):
    replay(DEMO)
    assert exit_code(backfill(DAY, DAY, lambda: psycopg2.connect(warehouse))) == 0
    before = _found(db)
    assert ("article", "exclusive_demo", ASTANA) in before["Астана"]
    assert ("article", "exclusive_demo", LIBRARY) in before["кітапхана"]
    assert [u for _, _, u in before['"автобусных маршрутов"']] == [ASTANA]
    assert ASTANA in [u for _, _, u in before["маршрут*"]]
    with db.cursor() as cur:
        cur.execute("select count(*), count(search_tsv) from articles")
        total, indexed = cur.fetchone()
    db.commit()
    assert total == indexed == 7

    downgrade(warehouse, "0007")
    with db.cursor() as cur:
        cur.execute("select count(*) from articles")
        assert cur.fetchone()[0] == total
    db.commit()
    upgrade(warehouse)
    assert _found(db) == before
