"""Drift: a source's day against its trailing baseline; a layout change raises an alert."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from mediamon import pipeline
from mediamon.batches import write_batch
from mediamon.quality.drift import DayMetrics, day_metrics, describe, drift_checks

FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)


def article(n, authors=("Айгуль Сапарова",), published=True, body="Текст. " * 60):
    url = f"https://demo.kz/{n}"
    return {
        "url": url, "canonical_url": url, "title": f"Новость {n}", "title_source": "h1",
        "authors": list(authors), "authors_status": "present" if authors else "absent",
        "published_at": FETCHED - timedelta(hours=n) if published else None,
        "modified_at": None, "section": None, "language": "ru", "body_text": body,
        "parser_version": "test", "fetched_at": FETCHED,
    }  # fmt: skip


def test_day_metrics_count_loaded_rows_apart_from_quarantined_ones_and_rate_both():
    quarantine = [
        {"record_kind": "article", "record": article(3, authors=()), "reasons": ["x"]},
        {"record_kind": "headline", "record": {}, "reasons": ["duplicate headline (same URL…)"]},
    ]
    headlines = [{"list_id": "rss", "canonical_url": f"https://demo.kz/{n}"} for n in (1, 2, 3)]
    metrics = day_metrics([article(1), article(2, published=False)], headlines, quarantine)
    assert metrics == DayMetrics(
        articles=2, headlines=3, author_fill_rate=2 / 3, date_hit_rate=2 / 3,
        median_body_chars=len("Текст. " * 60), duplicate_rate=0.25,
        articles_quarantined=1, headlines_quarantined=1,
    )  # fmt: skip


def test_day_metrics_count_a_key_once_as_the_loader_merges_it():
    # a source that only warns on repeats: they are accepted, and load as one row each
    twice = [article(1), article(1)]
    same = {"list_id": "rss", "canonical_url": "https://demo.kz/1"}
    metrics = day_metrics(twice, [same, dict(same), {**same, "list_id": "ticker"}], [])
    assert (metrics.articles, metrics.headlines) == (1, 2)


def baseline(days, **over):
    row = {"articles": 10, "headlines": 40, "author_fill_rate": 0.9, "date_hit_rate": 1.0,
           "median_body_chars": 2000.0, "duplicate_rate": 0.0}  # fmt: skip
    return [{**row, **over} for _ in range(days)]


def test_bylines_vanishing_is_an_alarm_and_names_the_numbers():
    today = DayMetrics(10, 40, 0.05, 1.0, 2000.0, 0.0, 0, 0)
    rows = drift_checks(today, baseline(5))
    failing = {r["check_name"]: r["observed"] for r in rows if not r["success"]}
    assert failing == {"drift.author_fill_rate": {"today": 0.05, "baseline": 0.9, "days": 5}}
    assert describe("demo", date(2024, 9, 8), rows) == (
        "demo 2024-09-08: possible layout change: author_fill_rate 5% (baseline 90% over 5 days)"
    )


def test_small_wobbles_and_short_history_raise_nothing():
    assert all(r["success"] for r in drift_checks(DayMetrics(8, 35, 0.8, 0.95, 1700.0, 0.02, 0, 0),
                                                  baseline(5)))  # fmt: skip
    assert all(r["success"] for r in drift_checks(DayMetrics(0, 0, 0.0, 0.0, 0.0, 1.0, 0, 0),
                                                  baseline(2)))  # fmt: skip


def use_registry(monkeypatch, tmp_path, **extra):
    registry = {"sources": [{
        "id": "demo", "homepage": "https://demo.kz/", "languages": ["ru"],
        "timezone": "Asia/Almaty", "feeds": [{"id": "rss", "url": "https://demo.kz/rss"}],
        **extra,
    }]}  # fmt: skip
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(registry), encoding="utf-8")
    monkeypatch.setenv("MEDIAMON_SOURCES", str(tmp_path / "sources.yaml"))


def load_days(db, tmp_path, days=5):
    """Five days of six articles; bylines vanish on the last day. Returns the last result."""
    first = date(2024, 9, 1)
    for offset in range(days):
        day = first + timedelta(days=offset)
        authors = ("Айгуль Сапарова",) if offset < days - 1 else ()
        batch = tmp_path / f"{day}.jsonl"
        write_batch(batch, [("article", article(n, authors=authors)) for n in range(6)])
        written = pipeline.load_stage("demo", day.isoformat(), str(batch), db)
    return written


def test_a_gated_check_fails_the_load_after_the_data_landed(db, monkeypatch, tmp_path):
    use_registry(monkeypatch, tmp_path, fail_on=["drift."])
    with pytest.raises(pipeline.QualityGateFailed, match="drift.author_fill_rate"):
        load_days(db, tmp_path)
    with db.cursor() as cur:
        cur.execute("select count(*) from articles where authors = '{}'")
        assert cur.fetchone() == (6,)  # the data landed, flagged
        cur.execute("select severity, success from dq_results where check_name = "
                    "'drift.author_fill_rate' and day = '2024-09-05'")  # fmt: skip
        assert cur.fetchone() == ("fail", False)
    db.rollback()


def test_layout_change_fires_the_drift_alarm_through_the_load(db, monkeypatch, tmp_path, webhook):
    url, received = webhook
    use_registry(monkeypatch, tmp_path)
    monkeypatch.setenv(
        "AIRFLOW_CONN_MEDIAMON_ALERTS", json.dumps({"conn_type": "http", "extra": {"url": url}})
    )
    first = date(2024, 9, 1)
    written = load_days(db, tmp_path)  # four normal days, then bylines vanish from the layout
    assert written["alerts"] == [
        "demo 2024-09-05: possible layout change: author_fill_rate 0% (baseline 100% over 4 days)"
    ]
    assert received == [{"text": written["alerts"][0]}]
    with db.cursor() as cur:
        cur.execute("select day, success from dq_results where check_name = "
                    "'drift.author_fill_rate' order by day")  # fmt: skip
        assert cur.fetchall() == [(first + timedelta(days=d), d < 4) for d in range(5)]
    db.rollback()
