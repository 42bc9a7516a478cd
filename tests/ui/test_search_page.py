"""The search page, an article's page, a story's page and the read API (``/mediamon/api/
search``, ``/mediamon/api/export``): a real warehouse, the plugin app mounted by Airflow's
api-server app, behind its authentication; scraped text escaped everywhere."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from mediamon.export import export_table
from mediamon.monitor.search_page import marked_html
from mediamon.search import Hit

EVIL = "<script>window.__pwned = 1</script> Астана & <b>жирный</b>"
D7, D8 = date(2024, 9, 7), date(2024, 9, 8)
AT = datetime(2024, 9, 8, 6, 0, tzinfo=UTC)
TITLE_HIT = "https://alpha.example/astana-title"
BODY_HIT = "https://beta.example/v-astane"
EVIL_HIT = "https://alpha.example/evil"
LIST_ONLY = "https://beta.example/list-only"


def _seed(conn) -> dict[str, int]:
    """Two sources; Russian articles naming Астана in the title, in the body, and in a hostile
    page (markup in title and body, a ``javascript:`` URL); a headline whose article was not
    loaded; a story holding two of them. Returns article ids by canonical URL."""
    with conn.cursor() as cur:
        for sid in ("alpha", "beta"):
            cur.execute(
                "insert into sources (id, name, homepage, languages, timezone, first_year) "
                "values (%s, %s, %s, '{ru}', 'Asia/Almaty', 2000)",
                (sid, f"{sid.title()} <News>", f"https://{sid}.example/"),
            )
        articles = [  # (canonical, url, source, title, body, published day, authors)
            (TITLE_HIT, TITLE_HIT, "alpha", "В Астане открыли новый мост",
             "Мост соединил два берега.", D8, ["Айгуль Сапарова"]),
            (BODY_HIT, BODY_HIT, "beta", "Новости дня",
             "Сегодня в столице, Астаны жители ждали перемен.", D7, []),
            (EVIL_HIT, "javascript:alert(1)", "alpha", EVIL,
             "Текст <img src=x onerror=alert(1)> про Астану.", D8, ["<i>Кто-то</i>"]),
        ]  # fmt: skip
        ids = {}
        for i, (canon, url, sid, title, body, day, authors) in enumerate(articles):
            cur.execute(
                "insert into articles (canonical_url, url, source_id, title, authors, "
                "authors_status, published_at, published_day, language, body_text, "
                "parser_version, first_seen, last_seen) values (%s, %s, %s, %s, %s, "
                "'present', %s, %s, 'ru', %s, 'test', %s, %s) returning id",
                (canon, url, sid, title, authors, AT, day, body, AT, AT),
            )  # fmt: skip
            ids[canon] = cur.fetchone()[0]
            cur.execute(
                "insert into fetches (source_id, day, url, kind, status, bytes, fetched_at, "
                "warc_path, warc_offset) values (%s, %s, %s, 'article', 200, 10, %s, 'w', %s)",
                (sid, day, url, AT, i),
            )  # fmt: skip
        cur.execute(
            "insert into headlines (source_id, list_id, list_kind, canonical_url, url, title, "
            "language, first_seen_day, last_seen_day) values ('beta', 'rss', 'feed', %s, %s, "
            "'Астана встречает гостей', 'ru', %s, %s)", (LIST_ONLY, LIST_ONLY, D8, D8),
        )  # fmt: skip
        cur.execute(
            "insert into story_clusters values (%s, 'c/1', 'alpha', 'В Астане открыли новый мост',"
            " %s), (%s, 'c/1', 'beta', 'Астана встречает гостей', %s)",
            (TITLE_HIT, D8, LIST_ONLY, D8),
        )
    conn.commit()
    return ids


@pytest.fixture
def seeded(api, db):
    client, token = api
    return client, {"authorization": f"Bearer {token}"}, _seed(db), db


def test_api_search_answers_ranked_hits_with_ids_marks_and_filters(seeded):
    client, auth, ids, _ = seeded
    resp = client.get("/mediamon/api/search", params={"q": "Астана"}, headers=auth)
    assert resp.status_code == 200
    body = resp.json()
    assert {k: body[k] for k in ("query", "from", "to", "source", "language", "limit")} == {
        "query": "Астана", "from": None, "to": None, "source": [], "language": [], "limit": 20,
    }  # fmt: skip
    hits = body["hits"]
    assert {h["url"] for h in hits} == {TITLE_HIT, BODY_HIT, "javascript:alert(1)", LIST_ONLY}
    assert [h["title_hit"] for h in hits] == [True, True, True, False]  # title hits first
    by_url = {h["url"]: h for h in hits}
    first = by_url[TITLE_HIT]
    assert first["kind"] == "article" and first["article_id"] == ids[TITLE_HIT]
    assert first["cluster_id"] == "c/1" and first["day"] == "2024-09-08"
    assert first["source_id"] == "alpha" and first["language"] == "ru"
    assert first["snippet"] == "Мост соединил два берега." and first["marks"] == []  # body
    body_hit = by_url[BODY_HIT]
    assert [body_hit["snippet"][a:b] for a, b in body_hit["marks"]] == ["Астаны"]
    assert body_hit["cluster_id"] is None and body_hit["title_hit"] is False
    listed = by_url[LIST_ONLY]
    assert (listed["kind"], listed["article_id"], listed["cluster_id"]) == ("headline", None, "c/1")

    def urls(**params):
        resp = client.get("/mediamon/api/search", params={"q": "Астана", **params}, headers=auth)
        assert resp.status_code == 200, resp.text
        return sorted(h["url"] for h in resp.json()["hits"])

    assert urls(source=["beta"]) == sorted([BODY_HIT, LIST_ONLY])
    assert urls(source=["alpha", "beta"], **{"from": "2024-09-07", "to": "2024-09-07"}) == [
        BODY_HIT
    ]
    assert urls(language=["kk"]) == []
    assert len(urls(limit=1)) == 1
    assert urls(q='"открыли новый мост"') == [TITLE_HIT]


SEARCH_422 = [
    ({}, "q: Field required"),  # no query
    ({"q": "Астана", "from": "someday"}, "from: not a date (YYYY-MM-DD): 'someday'"),
    ({"q": "Астана", "from": "2024-09-08", "to": "2024-09-01"},
     "the range is reversed: from 2024-09-08 is after to 2024-09-01"),
    ({"q": "Астана", "source": "nope"}, "unknown source nope"),
    ({"q": "Астана", "limit": "0"}, "limit: Input should be greater than or equal to 1"),
    ({"q": '"Астана'}, 'unclosed quote: a phrase is written "between quotes"'),
]  # fmt: skip
EXPORT_422 = [
    ({"to": ""}, "to: "),  # FastAPI's own reason after the parameter's name
    ({"from": "2024-13-01"}, "from: "),
    ({"to": "2024-09-01"}, "the range is reversed: from 2024-09-08 is after to 2024-09-01"),
    ({"format": "parquet"}, "format 'parquet' cannot be streamed as text (choose csv, "
     "jsonl; parquet: `mediamon export --format parquet --out FILE`)"),
    ({"table": "fetches"},
     "unknown table 'fetches' (choose articles, headlines, stories, mentions)"),
    ({"source": "nope"}, "unknown source nope (the warehouse has: alpha, beta)"),
]  # fmt: skip


def test_a_bad_request_is_answered_422_with_its_reason(seeded):
    client, auth, _, _ = seeded
    for params, detail in SEARCH_422:
        resp = client.get("/mediamon/api/search", params=params, headers=auth)
        assert resp.status_code == 422, params
        assert resp.json() == {"detail": detail}
    for params, detail in EXPORT_422:  # before any row is sent
        resp = client.get("/mediamon/api/export", headers=auth,
                          params={"from": "2024-09-08", "to": "2024-09-08", **params})  # fmt: skip
        assert resp.status_code == 422, params
        found = resp.json()["detail"]  # one string, also for FastAPI's own checks
        assert found == detail or (detail.endswith(": ") and found.startswith(detail)), found


def test_every_search_route_needs_a_session(seeded):
    client, _, ids, _ = seeded
    for path in ("/mediamon/api/search?q=x", "/mediamon/search?q=x",
                 f"/mediamon/article/{ids[TITLE_HIT]}", "/mediamon/story/c%2F1",
                 "/mediamon/api/export?from=2024-09-08&to=2024-09-08"):  # fmt: skip
        assert client.get(path).status_code == 401, path


class _Page(HTMLParser):
    """Element names, links and visible text of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_data(self, data):
        self.text.append(data)


def test_the_search_page_escapes_scraped_text_and_keeps_only_the_marks(seeded):
    client, auth, ids, _ = seeded
    monitor = client.get("/mediamon/", headers=auth)
    assert 'href="search" id="search"' in monitor.text  # linked from the monitoring page
    empty = client.get("/mediamon/search", headers=auth)
    assert empty.status_code == 200 and 'id="hits"' not in empty.text
    assert '<option value="alpha">' in empty.text and '<option value="beta">' in empty.text

    resp = client.get(
        "/mediamon/search?q=Астана&from=&to=&source=&language=&limit=20", headers=auth
    )  # fmt: skip  (what the form sends with empty filters)
    assert resp.status_code == 200
    assert resp.headers["content-security-policy"] == "script-src 'none'"
    page = _Page(resp.text)
    assert {"script", "b", "img", "i"}.isdisjoint(page.tags)  # scraped markup stays text
    assert EVIL in "".join(page.text)
    assert re.findall(r"<mark>(.*?)</mark>", resp.text) == ["Астану", "Астана", "Астаны"]
    assert f"article/{ids[TITLE_HIT]}" in page.links and f"article/{ids[EVIL_HIT]}" in page.links
    assert page.links.count("story/c%2F1") == 2  # the article and the list-only headline
    assert TITLE_HIT in page.links and "javascript:alert(1)" not in page.links
    assert "api/search?q=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0&amp;limit=20" in resp.text

    filtered = client.get("/mediamon/search", params={"q": "Астана", "source": "beta"},
                          headers=auth)  # fmt: skip
    assert '<option value="beta" selected>' in filtered.text
    assert len(re.findall(r'<tr data-kind="', filtered.text)) == 2
    bad = client.get("/mediamon/search", params={"q": '"Астана'}, headers=auth)
    assert bad.status_code == 422 and 'id="error"' in bad.text and "unclosed quote" in bad.text
    day = client.get("/mediamon/search", params={"q": "Астана", "from": "<x>"}, headers=auth)
    assert day.status_code == 422
    assert "from: not a date (YYYY-MM-DD): &#39;&lt;x&gt;&#39;" in day.text
    assert 'name="from" value="&lt;x&gt;"' in day.text  # the form keeps what was typed


def test_marked_html_escapes_the_snippet_around_the_marks():
    hit = Hit(kind="article", source_id="s", day=None, title="", url="",
              snippet="<b>Астана</b> & co", marks=((3, 9),), language="ru", rank=0.0,
              title_hit=False)  # fmt: skip
    assert str(marked_html(hit)) == "&lt;b&gt;<mark>Астана</mark>&lt;/b&gt; &amp; co"


def test_the_article_and_story_pages(seeded):
    client, auth, ids, _ = seeded
    resp = client.get(f"/mediamon/article/{ids[EVIL_HIT]}", headers=auth)
    assert resp.status_code == 200
    assert resp.headers["content-security-policy"] == "script-src 'none'"
    page = _Page(resp.text)
    assert {"script", "b", "img", "i"}.isdisjoint(page.tags)
    text = "".join(page.text)
    assert EVIL in text and "Текст <img src=x onerror=alert(1)> про Астану." in text
    assert "<i>Кто-то</i>" in text and "2024-09-08T06:00:00+00:00" in text
    assert "javascript:alert(1)" not in page.links and "javascript:alert(1)" in text
    assert "Alpha &lt;News&gt;" in resp.text

    good = client.get(f"/mediamon/article/{ids[TITLE_HIT]}", headers=auth)
    links = _Page(good.text).links
    assert "../story/c%2F1" in links and TITLE_HIT in links
    assert "Айгуль Сапарова" in good.text and "Мост соединил два берега." in good.text
    assert client.get("/mediamon/article/999999", headers=auth).status_code == 404
    assert client.get("/mediamon/article/x", headers=auth).status_code == 422

    story = client.get("/mediamon/story/c%2F1", headers=auth)
    assert story.status_code == 200
    assert f"../article/{ids[TITLE_HIT]}" in _Page(story.text).links
    assert "Астана встречает гостей</td>" not in story.text  # list-only: no article link
    assert "(headline only)" in story.text
    assert client.get("/mediamon/story/nope", headers=auth).status_code == 404


def test_api_export_streams_the_rows_of_mediamon_export(seeded):
    client, auth, _, db = seeded
    params = {"from": "2024-09-07", "to": "2024-09-08"}
    resp = client.get("/mediamon/api/export", params=params, headers=auth)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/x-ndjson"
    assert resp.headers["content-disposition"] == (
        'attachment; filename="articles_2024-09-07_2024-09-08.jsonl"'
    )
    expected = io.StringIO()
    export_table(db, "articles", D7, D8, expected, fmt="jsonl")
    assert resp.text == expected.getvalue()
    rows = [json.loads(line) for line in resp.text.splitlines()]
    assert [(r["run_day"], r["canonical_url"]) for r in rows] == [
        ("2024-09-07", BODY_HIT), ("2024-09-08", TITLE_HIT), ("2024-09-08", EVIL_HIT),
    ]  # fmt: skip

    stories = client.get("/mediamon/api/export", headers=auth, params={
        **params, "format": "csv", "table": "stories", "source": "beta"})  # fmt: skip
    assert stories.headers["content-type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(stories.text))) == [
        ["canonical_url", "cluster_id", "source_id", "title", "first_day"],
        [LIST_ONLY, "c/1", "beta", "Астана встречает гостей", "2024-09-08"],
    ]


def test_the_article_page_shows_its_versions_a_diff_and_its_flags(seeded):
    client, auth, ids, db = seeded
    old, new = "Мост соединил два берега.", "Мост <b>соединил</b> три берега."
    with db.cursor() as cur:
        for n, (body, day) in enumerate(((old, D7), (new, D8))):
            at = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
            cur.execute(
                "insert into article_revisions values (%s, %s, 'alpha', %s, %s, 'test', %s, %s,"
                " %s, %s)", (TITLE_HIT, f"h{n}", "В Астане открыли новый мост", body, day, day,
                            at, at),
            )  # fmt: skip
            cur.execute(
                "insert into article_revision_fetches values (%s, %s, 'alpha', %s, %s, %s)",
                (TITLE_HIT, f"h{n}", day, at, TITLE_HIT),
            )
        cur.execute(
            "update articles set taken_down_at = %s, taken_down_status = 410, paywalled = true,"
            " paywall_evidence = '{\"isAccessibleForFree: false\"}' where canonical_url = %s",
            (AT, TITLE_HIT),
        )
    db.commit()
    resp = client.get(f"/mediamon/article/{ids[TITLE_HIT]}", headers=auth)
    assert resp.status_code == 200
    page = _Page(resp.text)
    assert "b" not in page.tags  # the scraped body's markup is shown as text
    text = "".join(page.text)
    assert "v1" in text and "v2 (current)" in text and "v1 → v2" in text
    assert "-Мост соединил два берега." in text and "+Мост <b>соединил</b> три берега." in text
    assert "Taken down: HTTP 410 at 2024-09-08 06:00:00+00:00" in text
    assert "Paywalled: isAccessibleForFree: false" in text
    assert client.get(f"/mediamon/article/{ids[TITLE_HIT]}?version=2", headers=auth).text == (
        resp.text
    )
    bad = client.get(f"/mediamon/article/{ids[TITLE_HIT]}?version=3", headers=auth)
    assert bad.status_code == 422 and "versions 2..2" in bad.json()["detail"]
    other = client.get(f"/mediamon/article/{ids[BODY_HIT]}", headers=auth)
    assert "No versions recorded" in other.text
