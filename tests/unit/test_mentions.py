"""Watchlist mentions on a real PostgreSQL: inflected Russian and Kazakh forms counted per
place, quarantined rows ignored, a day evaluated twice leaves the same rows, a spike fires one
alert over a loopback webhook, the export and the reader. Every text is written for the test."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from mediamon import mentions
from mediamon.config.watchlist import (
    PACKAGED_WATCHLIST,
    AlertRule,
    WatchlistError,
    load_watchlist,
)
from mediamon.export import export_table
from mediamon.load.loader import load_batch
from mediamon.mentions import daily_counts, evaluate_day, read_mentions
from mediamon.search import parse_query
from mediamon.spikes import threshold
from support import make_source, migration

DAY = date(2024, 9, 8)
SOURCE = make_source(sid="demo", homepage="https://demo.kz/", languages=("ru", "kk", "en"))
OTHER = make_source(sid="other", homepage="https://other.kz/", languages=("ru", "kk", "en"))
FILLER = {
    "ru": " Об этом сообщили в пресс-службе, подробности будут позже.",
    "kk": " Бұл туралы баспасөз қызметі хабарлады, толығырақ кейін.",
}
WATCHLIST = {
    "alert": {"baseline_days": 14, "min_baseline_days": 7, "k": 3.0, "min_mentions": 5},
    "terms": [
        {"id": "tokayev", "name": "Kassym-Jomart Tokayev", "match": ["Тоқаев"]},
        {"id": "astana", "name": "Astana", "ru": ["Астана"], "kk": ["Астана"]},
        {"id": "cpc", "name": "CPC", "ru": ['"Каспийский трубопроводный консорциум"']},
    ],
}  # fmt: skip


@pytest.fixture
def watchlist(tmp_path, monkeypatch):
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(WATCHLIST, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("MEDIAMON_WATCHLIST", str(path))
    return load_watchlist(check_query=parse_query)


def article(url, title, body, language="ru", day=DAY, filler=4):
    fetched = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)
    return {
        "url": url, "canonical_url": url, "title": title, "authors": ["Айгуль Сапарова"],
        "authors_status": "present", "published_at": fetched - timedelta(hours=3),
        "modified_at": None, "fetched_at": fetched, "language": language,
        "body_text": body + FILLER[language] * filler, "parser_version": "test",
    }  # fmt: skip


def fetch(url, offset, day=DAY):
    return {
        "url": url, "kind": "article", "list_id": None, "status": 200, "error": None,
        "bytes": 10, "sha256": None, "content_type": "text/html",
        "fetched_at": datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC),
        "warc_path": f"w-{url}", "warc_offset": offset, "elapsed_ms": 5,
    }  # fmt: skip


def load(db, articles=(), headlines=(), quarantine=(), source=SOURCE, day=DAY, reachable=True):
    articles = list(articles)
    load_batch(
        db, source, day, f"mediamon_daily:{day}",
        fetches=[fetch(a["url"], i, day) for i, a in enumerate(articles)],
        articles=articles, headlines=list(headlines), quarantine=list(quarantine),
        dq_results=[],
        coverage={"promised": 0, "captured": 0, "missing": 0, "undated": 0,
                  "reachable": reachable, "flagged": False, "reason": None},
    )  # fmt: skip


def rows(db) -> list[tuple]:
    with db.cursor() as cur:
        cur.execute(
            "select coalesce(a.url, h.url), m.term_id, m.place, m.count, m.day, m.snippet "
            "from mentions m left join articles a on a.id = m.article_id "
            "left join headlines h on h.id = m.headline_id order by 1, 2, 3"
        )
        found = cur.fetchall()
    db.rollback()
    return found


def counts(db) -> dict[tuple[str, str], int]:
    """{(url, term): occurrences over every place}."""
    out: dict = {}
    for url, term, _, n, _, _ in rows(db):
        out[(url, term)] = out.get((url, term), 0) + n
    return out


def test_the_packaged_watchlist_is_valid_and_names_real_terms():
    packaged = load_watchlist(PACKAGED_WATCHLIST, check_query=parse_query)
    assert {"tokayev", "astana", "cpc"} <= {t.id for t in packaged.terms}
    assert packaged.alert == AlertRule(14, 7, 3.0, 5)


def test_a_bad_watchlist_says_each_problem_in_one_line(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump({
        "alert": {"k": "three", "min_mentions": 0},
        "terms": [
            {"id": "Tokayev", "match": ["Тоқаев"]},
            {"id": "astana", "match": "Астана"},
            {"id": "cpc", "ru": ['"Каспий']},
            {"id": "none"},
            {"id": "x1", "match": ["a"], "sorces": ["demo"]},
            {"id": "cpc", "ru": ["КТК"]},
        ],
    }, allow_unicode=True), encoding="utf-8")  # fmt: skip
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(path, check_query=parse_query)
    assert caught.value.errors == [
        f"{path}: alert.k: must be a number from 0 to 100, got 'three'",
        f"{path}: alert.min_mentions: must be an integer from 1 to 1e+06, got 0",
        f"{path}: terms[0] (Tokayev).id: term id must match ^[a-z][a-z0-9_]*$",
        f"{path}: terms[1] (astana).match: must be a list of non-empty query strings, "
        "got a string 'Астана'",
        f'{path}: terms[2] (cpc).ru[0]: unclosed quote: a phrase is written "between quotes" '
        "(query '\"Каспий')",
        f"{path}: terms[3] (none): a term needs at least one query (match, ru, kk or en)",
        f"{path}: terms[4] (x1): unknown key 'sorces' (did you mean 'sources'?)",
    ]  # terms[5] repeats 'cpc', whose first entry was already refused


@pytest.mark.parametrize(("text", "reason"), [
    ("terms:\n  - id: tokayev\n    match: [Тоқаев\n", "cannot read watchlist: while parsing"),
    ("terms:\n  - {id: tokayev, match: [Тоқаев], sorces: [demo]}\n", "unknown key 'sorces'"),
])  # fmt: skip
def test_a_malformed_watchlist_fails_the_task_saying_it_once(
    warehouse, tmp_path, monkeypatch, text, reason
):
    """`mediamon run` prints the run log's error lines and the traceback's raised lines: the
    file and the reason must be in them once (they were three times, chained exceptions)."""
    import logging.handlers
    import traceback

    from airflow.sdk.exceptions import AirflowFailException  # configures logging: then listen
    from mediamon import tasks

    logged = logging.handlers.BufferingHandler(100)
    monkeypatch.setattr(logging.getLogger("mediamon.tasks"), "handlers", [logged])
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("MEDIAMON_WATCHLIST", str(path))
    with pytest.raises(AirflowFailException) as caught:
        tasks.mentions([{"day": DAY.isoformat(), "source_id": "demo"}])
    shown = "".join(r.getMessage() for r in logged.buffer)
    shown += "".join(traceback.format_exception(caught.value))
    assert shown.count(str(path)) == 1 and shown.count(reason) == 1
    assert str(caught.value) == (
        "the watchlist is malformed (1 problem(s) logged above): no mentions counted"
    )


def test_the_lead_and_body_limits_are_the_search_index(tmp_path):
    frozen = migration("0008_search")
    assert (frozen.LEAD_CHARS, frozen.BODY_CHARS) == (
        mentions.LEAD_CHARS, mentions.BODY_CHARS,
    )  # fmt: skip


def test_inflected_russian_and_kazakh_forms_are_counted_per_place(db, watchlist):
    load(db, [
        article("https://demo.kz/kk/1", "Тоқаев жаңа бағдарламаны таныстырды",
                "Тоқаевтың сөзі жиналыста талқыланды. Тоқаевқа хат жолданды.", "kk"),
        article("https://demo.kz/kk/2", "Жаңалықтар", "Журналистер Тоқаевты күтті.", "kk"),
        article("https://demo.kz/kk/3", "Жаңалықтар", "Астанада жаңбыр жауды.", "kk"),
        article("https://demo.kz/ru/1", "Астана готовится к зиме",
                "Из Астаны вылетел рейс. В Астане прошёл дождь.", "ru"),
        article("https://demo.kz/ru/2", "Новости",
                "Акционеры Каспийского трубопроводного консорциума собрались. "
                "Каспийский трубопроводный консорциум отчитался.", "ru"),
        article("https://demo.kz/ru/3", "Новости", "В Алматы открыли каток.", "ru"),
    ], headlines=[{
        "list_id": "rss", "list_kind": "feed", "position": 1, "language": "ru",
        "title": "Токаев провёл совещание", "url": "https://demo.kz/h/1",
        "canonical_url": "https://demo.kz/h/1",
    }])  # fmt: skip
    result = evaluate_day(db, DAY, ["demo"], alert=False)
    assert counts(db) == {
        ("https://demo.kz/kk/1", "tokayev"): 3,  # Тоқаев, Тоқаевтың, Тоқаевқа
        ("https://demo.kz/kk/2", "tokayev"): 1,  # Тоқаевты
        ("https://demo.kz/kk/3", "astana"): 1,  # Астанада
        ("https://demo.kz/ru/1", "astana"): 3,  # Астана, Астаны, в Астане
        ("https://demo.kz/ru/2", "cpc"): 2,  # the phrase in two cases
        ("https://demo.kz/h/1", "tokayev"): 1,  # typed with к, a headline without its article
    }
    places = {(u, t, p): n for u, t, p, n, _, _ in rows(db)}
    assert places[("https://demo.kz/kk/1", "tokayev", "title")] == 1
    assert places[("https://demo.kz/kk/1", "tokayev", "lead")] == 2
    assert places[("https://demo.kz/ru/1", "astana", "lead")] == 2
    assert result["mentions"] == len(rows(db)) == 8
    snippets = {(u, p): s for u, _, p, _, _, s in rows(db)}
    assert "[Тоқаевтың] сөзі" in snippets[("https://demo.kz/kk/1", "lead")]
    assert snippets[("https://demo.kz/ru/1", "title")] == "[Астана] готовится к зиме"
    assert {d for *_, d, _ in rows(db)} == {DAY}


def test_a_word_across_the_leads_end_is_counted_once_whole(db, watchlist):
    body = "Сөз " * 74 + "Тоқаевтың сөзі."  # the name spans characters 297 to 305
    load(db, [article("https://demo.kz/l/1", "Жаңалықтар", body, "kk")])
    evaluate_day(db, DAY, ["demo"], alert=False)
    assert [(u, t, p, n) for u, t, p, n, _, _ in rows(db)] == [
        ("https://demo.kz/l/1", "tokayev", "lead", 1),
    ]


def test_quarantined_rows_are_ignored(db, watchlist):
    # what the validate stage sends to quarantine (a body under 150 characters: the suites'
    # verdict, tests/unit/test_search.py) is stored there, never in articles or headlines
    good = article("https://demo.kz/q/good", "Тоқаев сөйледі", "Тоқаев сөз сөйледі.", "kk")
    short = {**article("https://demo.kz/q/short", "Тоқаев", "", "kk"), "body_text": "Тоқаев."}
    headline = {"list_id": "rss", "list_kind": "feed", "position": 2, "language": "kk",
                "title": "Тоқаевқа хат", "url": "https://demo.kz/q/h",
                "canonical_url": "https://demo.kz/q/h"}  # fmt: skip
    load(db, [good], quarantine=[
        {"record_kind": "article", "record_key": short["url"], "reasons": ["body too short"],
         "record": {k: str(v) for k, v in short.items()}},
        {"record_kind": "headline", "record_key": "rss|2|https://demo.kz/q/h",
         "reasons": ["duplicate title"], "record": headline},
    ])  # fmt: skip
    with db.cursor() as cur:  # the quarantined page was fetched that day like the good one
        cur.execute("insert into fetches (source_id, day, url, kind, status, bytes, fetched_at, "
                    "warc_path, warc_offset) values ('demo', %s, %s, 'article', 200, 1, now(), "
                    "'q', 1)", (DAY, short["url"]))  # fmt: skip
    db.commit()
    evaluate_day(db, DAY, ["demo"], alert=False)
    assert counts(db) == {("https://demo.kz/q/good", "tokayev"): 2}


def test_a_day_evaluated_twice_leaves_the_same_rows_and_follows_the_text(db, watchlist):
    load(db, [article("https://demo.kz/i/1", "Астана", "Тоқаев Астанада.", "kk")])
    evaluate_day(db, DAY, ["demo"], alert=False)
    first = rows(db)
    evaluate_day(db, DAY, ["demo"], alert=False)
    assert rows(db) == first and len(first) == 3
    # the page changed (a re-parse): the term it no longer names loses its rows
    load(db, [article("https://demo.kz/i/1", "Астана", "Жаңалық жоқ.", "kk")])
    evaluate_day(db, DAY, ["demo"], alert=False)
    assert counts(db) == {("https://demo.kz/i/1", "astana"): 1}


@pytest.fixture
def alerts(webhook, monkeypatch):
    """The loopback webhook as the connection ``mediamon_alerts``: the alerts it received."""
    url, received = webhook
    monkeypatch.setenv(
        "AIRFLOW_CONN_MEDIAMON_ALERTS", json.dumps({"conn_type": "http", "extra": {"url": url}})
    )
    return received


def test_a_spike_fires_exactly_one_alert(db, watchlist, alerts):
    # eleven loaded days: Тоқаев named twice (5 days), once (5), never (1): mean 1.36, std 0.64
    for back in range(1, 11):
        day = DAY - timedelta(days=back)
        n = 1 + back % 2
        load(db, [article(f"https://demo.kz/b/{day}/{i}", "Жаңалықтар", "Тоқаев сөйледі.",
                          "kk", day) for i in range(n)], day=day)  # fmt: skip
        assert evaluate_day(db, day, ["demo"])["alerts"] == []
    load(db, [article("https://demo.kz/b/x", "Жаңалықтар", "Ауа райы.", "kk",
                      DAY - timedelta(days=11))], day=DAY - timedelta(days=11))  # fmt: skip
    # the day: 4 items in one outlet, 3 in another (7 > 1.36 + 3 * sqrt(1.36) = 4.87)
    load(db, [article(f"https://demo.kz/s/{i}", "Тоқаевқа хат", "Хат жолданды.", "kk")
              for i in range(4)])  # fmt: skip
    load(db, [article(f"https://other.kz/s/{i}", "Тоқаевтың сапары", "Сапар.", "kk")
              for i in range(3)], source=OTHER)  # fmt: skip
    result = evaluate_day(db, DAY, ["demo", "other"])
    expected = (
        "watchlist 2024-09-08: Kassym-Jomart Tokayev (tokayev) mentioned in 7 items, "
        "baseline 1.4 ± 0.6 a day over 11 days (alert above 4.9): demo 4, other 3"
    )
    assert result["alerts"] == [expected]
    assert alerts == [{"text": expected}]
    assert evaluate_day(db, DAY, ["demo", "other"])["alerts"] == []  # the day again: no repeat
    assert alerts == [{"text": expected}]
    with db.cursor() as cur:
        cur.execute("select day, term_id, items, baseline_days from mention_alerts")
        assert cur.fetchall() == [(DAY, "tokayev", 7, 11)]
    db.rollback()


def test_the_threshold_has_a_poisson_floor_and_a_minimum():
    rule = AlertRule(14, 7, 3.0, 5)
    assert threshold([2] * 7, rule) == pytest.approx(2 + 3 * 2**0.5)  # std 0: sqrt(mean)
    assert threshold([0] * 14, rule) == 4  # a rare term: 5 mentions at least
    assert threshold([10, 30] * 7, rule) == pytest.approx(20 + 3 * 10)
    assert threshold([3] * 6, rule) is None  # under a week of baseline


def test_reading_and_exporting_mentions(db, watchlist, tmp_path):
    load(db, [article("https://demo.kz/r/1", "Тоқаев Астанада", "Тоқаев келді.", "kk")])
    load(db, [article("https://other.kz/r/1", "Астана", "Жаңалық.", "kk")], source=OTHER)
    evaluate_day(db, DAY, ["demo", "other"], alert=False)
    found = read_mentions(db, "tokayev", first=DAY, last=DAY)
    assert [(m["url"], m["place"], m["count"]) for m in found] == [
        ("https://demo.kz/r/1", "title", 1), ("https://demo.kz/r/1", "lead", 1),
    ]  # fmt: skip
    assert found[0]["title"] == "Тоқаев Астанада" and found[0]["kind"] == "article"
    assert read_mentions(db, "astana", sources=["other"])[0]["source_id"] == "other"
    assert read_mentions(db, first=DAY + timedelta(days=1)) == []
    assert daily_counts(db, "astana") == [
        {"day": "2024-09-08", "source_id": "demo", "term_id": "astana", "items": 1,
         "occurrences": 1},
        {"day": "2024-09-08", "source_id": "other", "term_id": "astana", "items": 1,
         "occurrences": 1},
    ]  # fmt: skip
    out = io.StringIO()
    assert export_table(db, "mentions", DAY, DAY, out, fmt="jsonl", sources=["demo"]) == 3
    exported = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(e["term_id"], e["place"], e["url"]) for e in exported] == [
        ("astana", "title", "https://demo.kz/r/1"), ("tokayev", "title", "https://demo.kz/r/1"),
        ("tokayev", "lead", "https://demo.kz/r/1"),
    ]  # fmt: skip
