"""The watchlist on the monitoring page and the read API ``/mediamon/api/mentions``: a term's
mentions charted by outlet, scraped text escaped, the endpoint behind Airflow's auth."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import yaml
from mediamon.load.loader import load_batch
from mediamon.mentions import evaluate_day
from mediamon.monitor import CHARTS, overview, render_page
from support import make_source

DAY = date(2024, 9, 8)
EVIL = "<script>window.__pwned = 1</script> Тоқаев & <b>co</b>"
ALPHA = make_source(sid="alpha", homepage="https://alpha.kz/", languages=("ru", "kk"))
BETA = make_source(sid="beta", homepage="https://beta.kz/", languages=("ru", "kk"))
BODY = " Бұл туралы баспасөз қызметі хабарлады, толығырақ кейін." * 4


@pytest.fixture
def seeded(db, tmp_path, monkeypatch):
    """alpha: two articles naming Тоқаев (one with a hostile title), beta: one naming Астана."""
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump({"terms": [
        {"id": "tokayev", "name": "Tokayev", "match": ["Тоқаев"]},
        {"id": "astana", "name": "Astana", "match": ["Астана"]},
    ]}, allow_unicode=True), encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("MEDIAMON_WATCHLIST", str(path))
    at = datetime(2024, 9, 8, 6, 0, tzinfo=UTC)
    for source, texts in ((ALPHA, [EVIL, "Тоқаевқа хат"]), (BETA, ["Астанада жаңбыр"])):
        articles = [
            {"url": f"{source.homepage}{i}", "canonical_url": f"{source.homepage}{i}",
             "title": title, "authors": [], "authors_status": "absent", "published_at": at,
             "modified_at": None, "fetched_at": at, "language": "kk",
             "body_text": "Жаңалық." + BODY, "parser_version": "test"}
            for i, title in enumerate(texts)
        ]  # fmt: skip
        fetches = [
            {"url": a["url"], "kind": "article", "list_id": None, "status": 200, "error": None,
             "bytes": 1, "sha256": None, "content_type": "text/html", "fetched_at": at,
             "warc_path": f"w-{a['url']}", "warc_offset": 0, "elapsed_ms": 1}
            for a in articles
        ]  # fmt: skip
        load_batch(db, source, DAY, f"mediamon_daily:{DAY}", fetches=fetches, articles=articles,
                   headlines=[], quarantine=[], dq_results=[])  # fmt: skip
    evaluate_day(db, DAY, ["alpha", "beta"], alert=False)
    return db


def test_the_page_charts_the_most_mentioned_term_by_outlet_and_escapes_titles(seeded):
    data = overview(seeded, days=3)
    section = data["mentions"]
    assert section["term"] == "tokayev"
    assert section["terms"] == [
        {"id": "tokayev", "name": "Tokayev", "items": 2},
        {"id": "astana", "name": "Astana", "items": 1},
    ]
    assert section["per_day"] == {"alpha": {"2024-09-08": 2}}
    assert {r["title"] for r in section["latest"]} == {EVIL, "Тоқаевқа хат"}
    html = render_page(data, [], None)
    assert html.count('src="chart/mentions.svg?end=2024-09-08&amp;days=3&amp;term=tokayev"') == 1
    assert 'href="?end=2024-09-08&amp;days=3&amp;term=astana" data-term="astana"' in html
    assert "<script>window" not in html and "&lt;script&gt;window.__pwned" in html
    svg = CHARTS["mentions.svg"](data)
    assert svg.startswith("<svg") and "Mentions of Tokayev per outlet and day" in svg
    assert "alpha" in svg and "<script src" not in svg
    other = overview(seeded, days=3, term="astana")["mentions"]
    assert other["per_day"] == {"beta": {"2024-09-08": 1}}


def test_the_mentions_endpoint_answers_behind_airflow_auth(api, seeded):
    client, token = api  # tests/ui/conftest.py
    auth = {"authorization": f"Bearer {token}"}
    url = "/mediamon/api/mentions?term=tokayev&from=2024-09-08&to=2024-09-08&source=alpha"
    assert client.get(url).status_code == 401
    body = client.get(url, headers=auth).json()
    assert body["term"] == "tokayev" and body["sources"] == ["alpha"]
    assert body["daily"] == [{"day": "2024-09-08", "source_id": "alpha", "term_id": "tokayev",
                              "items": 2, "occurrences": 2}]  # fmt: skip
    assert sorted((m["url"], m["place"]) for m in body["mentions"]) == [
        ("https://alpha.kz/0", "title"), ("https://alpha.kz/1", "title"),
    ]  # fmt: skip
    assert re.fullmatch(r"\[Тоқаевқа\] хат", next(
        m["snippet"] for m in body["mentions"] if m["url"] == "https://alpha.kz/1"))  # fmt: skip
    everything = client.get("/mediamon/api/mentions?limit=1", headers=auth).json()
    assert len(everything["mentions"]) == 1 and len(everything["daily"]) == 2
    reversed_range = client.get("/mediamon/api/mentions?from=2024-09-08&to=2024-09-01",
                                headers=auth)  # fmt: skip
    assert reversed_range.status_code == 422
    assert client.get("/mediamon/api/mentions?limit=0", headers=auth).json() == {
        "detail": "limit: Input should be greater than or equal to 1"
    }
    bad_day = client.get("/mediamon/api/mentions?from=someday", headers=auth)
    assert bad_day.status_code == 422 and bad_day.json()["detail"].startswith("from: ")
    page = client.get("/mediamon/api/mentions?term=tokayev&source=alpha&source=nope", headers=auth)
    assert (page.status_code, page.json()) == (422, {  # as /api/export says it
        "detail": "unknown source nope (the warehouse has: alpha, beta)"})  # fmt: skip
    page = client.get("/mediamon/api/mentions?term=tokaev", headers=auth)
    assert (page.status_code, page.json()) == (422, {
        "detail": "unknown term 'tokaev' (the watchlist and the warehouse have: astana, tokayev)"
    })  # fmt: skip
    page = client.get("/mediamon/?term=astana", headers=auth)
    assert page.status_code == 200 and 'data-chart="mentions.svg"' in page.text
    chart = client.get("/mediamon/chart/mentions.svg?term=astana", headers=auth)
    assert chart.headers["content-type"] == "image/svg+xml" and "Mentions of Astana" in chart.text


def test_a_term_dropped_from_the_watchlist_is_still_read(api, seeded, tmp_path, monkeypatch):
    client, token = api
    auth = {"authorization": f"Bearer {token}"}
    path = tmp_path / "short.yaml"  # astana is gone; its rows stay until its days run again
    path.write_text("terms: [{id: tokayev, match: [Тоқаев]}]\n", encoding="utf-8")
    monkeypatch.setenv("MEDIAMON_WATCHLIST", str(path))
    body = client.get("/mediamon/api/mentions?term=astana", headers=auth).json()
    assert [m["url"] for m in body["mentions"]] == ["https://beta.kz/0"]
    path.write_text("terms: [{id: tokayev, match: [Тоқаев]}", encoding="utf-8")  # bad YAML
    page = client.get("/mediamon/api/mentions?term=putin", headers=auth)
    assert (page.status_code, page.json()["detail"]) == (
        422, "unknown term 'putin' (the watchlist and the warehouse have: astana, tokayev)"
    )  # fmt: skip
