"""Drift of sources (issue 15 item 4): a feed or list that yielded on its trailing days and
yields nothing today is flagged, with what its fetch said, and alerted once per source by
the daily DAG's ``stopped_lists`` task; rows in a real PostgreSQL warehouse."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import yaml
from mediamon import tasks
from mediamon.quality.stopped_lists import StoppedList, describe, stopped_lists

DAY = date(2026, 12, 3)


def _seed(conn) -> None:
    """Sources ``a`` (loaded today), ``b`` (did not load today) over a week of sightings.

    a/rss: 5 items on each of the 7 trailing days, none today, 404 today -> stopped.
    a/front: 10 a day, today too -> fine. a/ticker: 2 trailing days only -> too little
    history. a/section: 3 trailing days of 4 items, 200 today with no item -> stopped.
    a/old: yielded, not in the registry any more. b/rss: stopped, but b did not load today.
    """
    yields = {  # (source, list): {days before DAY: items}
        ("a", "rss"): {d: 5 for d in range(1, 8)},
        ("a", "front"): {d: 10 for d in range(0, 8)},
        ("a", "ticker"): {1: 3, 2: 3},
        ("a", "section"): {1: 4, 3: 4, 6: 4},
        ("a", "old"): {d: 2 for d in range(1, 8)},
        ("b", "rss"): {d: 5 for d in range(1, 8)},
    }
    at = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    with conn.cursor() as cur:
        for sid in ("a", "b"):
            cur.execute(
                "insert into sources (id, name, homepage, languages, timezone, first_year) "
                "values (%s, %s, %s, '{ru}', 'Asia/Almaty', 2000)",
                (sid, sid, f"https://{sid}.example/"),
            )
        for (sid, list_id), per_day in yields.items():
            for before, n in per_day.items():
                for i in range(n):
                    cur.execute(
                        "insert into sightings (day, source_id, list_id, canonical_url, "
                        "position) values (%s, %s, %s, %s, %s)",
                        (DAY - timedelta(days=before), sid, list_id,
                         f"https://{sid}.example/{list_id}/{before}/{i}", i + 1),
                    )  # fmt: skip
        for sid, day in [("a", DAY), ("b", DAY - timedelta(days=1))]:
            cur.execute(
                "insert into source_day_metrics (source_id, day, articles, headlines, "
                "articles_quarantined, headlines_quarantined) values (%s, %s, 0, 0, 0, 0)",
                (sid, day),
            )  # fmt: skip
        fetches = [  # today's list fetches of a: (list, status, error)
            ("rss", 301, None), ("rss", 404, None), ("front", 200, None),
            ("section", 200, None), ("ticker", None, "ConnectionError: refused"),
        ]  # fmt: skip
        for offset, (list_id, status, error) in enumerate(fetches):
            cur.execute(
                "insert into fetches (source_id, day, url, kind, list_id, status, error, bytes, "
                "fetched_at, warc_path, warc_offset) values ('a', %s, %s, 'feed', %s, %s, %s, "
                "0, %s, 'w', %s)",
                (DAY, f"https://a.example/{list_id}", list_id, status, error,
                 at + timedelta(seconds=offset), offset),
            )  # fmt: skip
    conn.commit()


REGISTRY_LISTS = {"a": ["rss", "front", "ticker", "section"], "b": ["rss"]}


def test_lists_that_stopped_yielding_are_flagged_with_todays_answer(db):
    _seed(db)
    assert stopped_lists(db, DAY, REGISTRY_LISTS) == [
        StoppedList("a", "rss", "2026-12-03", 7, 5.0, "HTTP 404"),
        StoppedList("a", "section", "2026-12-03", 3, 4.0, "answered HTTP 200, no item"),
    ]
    # without the registry's lists, a list dropped from it is judged too
    assert [s.list_id for s in stopped_lists(db, DAY)] == ["old", "rss", "section"]
    assert stopped_lists(db, DAY, REGISTRY_LISTS)[0] == stopped_lists(db, DAY)[1]
    # the day before, b loaded and its feed yielded; a did not load (not judged)
    assert stopped_lists(db, DAY - timedelta(days=1), REGISTRY_LISTS) == []


def test_one_alert_per_source_names_each_list():
    rows = [
        StoppedList("a", "rss", "2026-12-03", 7, 5.0, "HTTP 404"),
        StoppedList("a", "section", "2026-12-03", 3, 4.0, "answered HTTP 200, no item"),
    ]
    assert describe(rows) == {
        "a": "a 2026-12-03: lists stopped yielding (a site redesign?): rss: 0 items today, 5 a "
        "day on 7 of the last 7 days (HTTP 404); section: 0 items today, 4 a day on 3 of the "
        "last 7 days (answered HTTP 200, no item)"
    }
    assert describe([]) == {}


def test_the_daily_task_alerts_through_the_notifier(db, monkeypatch, tmp_path, webhook):
    _seed(db)
    registry = {"sources": [
        {"id": sid, "homepage": f"https://{sid}.example/", "languages": ["ru"],
         "timezone": "Asia/Almaty",
         "feeds": [{"id": lid, "url": f"https://{sid}.example/{lid}"} for lid in ids]}
        for sid, ids in REGISTRY_LISTS.items()
    ]}  # fmt: skip
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(registry), encoding="utf-8")
    monkeypatch.setenv("MEDIAMON_SOURCES", str(tmp_path / "sources.yaml"))
    url, received = webhook
    hook = {"conn_type": "http", "extra": {"url": url}}
    monkeypatch.setenv("AIRFLOW_CONN_MEDIAMON_ALERTS", json.dumps(hook))
    planned = [{"source_id": sid, "day": DAY.isoformat()} for sid in ("a", "b")]
    found = tasks.stopped_lists(planned)
    assert [(f["source_id"], f["list_id"]) for f in found] == [("a", "rss"), ("a", "section")]
    assert received == [{"text": describe([StoppedList(**f) for f in found])["a"]}]
    assert json.dumps(found)  # an XCom value
    assert tasks.stopped_lists([]) == []
