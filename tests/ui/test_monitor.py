"""The monitoring page: its numbers from a real warehouse, its escaping, and the plugin app
mounted by Airflow's own api-server app, behind Airflow's authentication."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

from mediamon.monitor import overview, render_page

EVIL = "<script>window.__pwned = 1</script> Аким & <b>co</b>"
DAY = date(2024, 9, 8)


def _seed(conn) -> None:
    """Two sources over two days: counts, checks (one drift alarm), quarantine, headlines."""
    at = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
    with conn.cursor() as cur:
        for sid in ("alpha", "beta"):
            cur.execute(
                "insert into sources (id, name, homepage, languages, timezone, first_year) "
                "values (%s, %s, %s, '{ru}', 'Asia/Almaty', 2000)",
                (sid, f"{sid.title()} <News>", f"https://{sid}.example/"),
            )
        fetches = [("alpha", DAY, 3), ("alpha", date(2024, 9, 7), 2), ("beta", DAY, 4)]
        offset = 0
        for sid, day, n in fetches:
            for i in range(n):
                offset += 1
                cur.execute(
                    "insert into fetches (source_id, day, url, kind, status, bytes, fetched_at, "
                    "warc_path, warc_offset) values (%s, %s, %s, 'article', 200, 10, %s, 'w', %s)",
                    (sid, day, f"https://{sid}.example/{day}/{i}", at, offset),
                )
        # loaded articles: those fetched that day (alpha: all 3, then 2; beta: 1 of 4, and
        # one 404)
        for sid, day, n in [("alpha", DAY, 3), ("alpha", date(2024, 9, 7), 2), ("beta", DAY, 1)]:
            for i in range(n):
                url = f"https://{sid}.example/{day}/{i}"
                cur.execute(
                    "insert into articles (canonical_url, url, source_id, title, authors_status, "
                    "parser_version, first_seen, last_seen) "
                    "values (%s, %s, %s, 't', 'absent', 'test', %s, %s)", (url, url, sid, at, at),
                )  # fmt: skip
        cur.execute(
            "update fetches set status = 404 where url = 'https://beta.example/2024-09-08/3'"
        )
        checks = [  # (source, day, check, success, observed)
            ("alpha", DAY, "article.published_at", True, None),
            ("alpha", DAY, "article.title", True, None),
            ("alpha", DAY, "article.body_length", True, None),
            ("alpha", DAY, "headline.duplicate", False, None),
            ("alpha", date(2024, 9, 7), "article.title", True, None),
            ("beta", DAY, "article.title", True, None),
            ("beta", DAY, "drift.author_fill_rate", False,
             {"today": 0.05, "baseline": 0.9, "days": 14}),
        ]  # fmt: skip
        for sid, day, name, ok, observed in checks:
            cur.execute(
                "insert into dq_results (run_key, check_name, source_id, day, success, severity, "
                "evaluated, unexpected, observed) values (%s, %s, %s, %s, %s, 'warn', 1, %s, %s)",
                (f"mediamon_daily:{day}", name, sid, day, ok, 0 if ok else 1,
                 json.dumps(observed) if observed else None),
            )  # fmt: skip
        quarantined = [
            ("alpha", "article", "https://alpha.example/q1", EVIL, ["no publication date"]),
            ("alpha", "headline", "https://alpha.example/q2", "dup", ["duplicate title",
                                                                       "no publication date"]),
            ("beta", "article", "https://beta.example/q3", None, ["no publication date"]),
        ]  # fmt: skip
        for sid, kind, key, title, reasons in quarantined:
            cur.execute(
                "insert into quarantine (run_key, source_id, day, record_kind, record_key, "
                "record, reasons) values (%s, %s, %s, %s, %s, %s, %s)",
                (f"mediamon_daily:{DAY}", sid, DAY, kind, key, json.dumps({"title": title}),
                 reasons),
            )  # fmt: skip
        for pos, title in enumerate([EVIL, "Второй заголовок"], start=1):
            url = f"https://alpha.example/h{pos}"
            cur.execute(
                "insert into headlines (source_id, list_id, list_kind, canonical_url, url, title, "
                "first_seen_day, last_seen_day) values ('alpha', 'rss', 'feed', %s, %s, %s, "
                "%s, %s)", (url, url, title, DAY, DAY),
            )  # fmt: skip
            cur.execute(
                "insert into sightings (day, source_id, list_id, canonical_url, position, title) "
                "values (%s, 'alpha', 'rss', %s, %s, %s)", (DAY, url, pos, title),
            )  # fmt: skip
    conn.commit()


def test_overview_counts_per_source_and_day(db):
    _seed(db)
    data = overview(db, days=3)
    assert data["end"] == "2024-09-08"
    assert data["days"] == ["2024-09-06", "2024-09-07", "2024-09-08"]
    alpha, beta = data["sources"]
    assert alpha["last_loaded_day"] == beta["last_loaded_day"] == "2024-09-08"
    assert alpha["per_day"]["2024-09-08"] == {
        "fetched": 3, "errors": 0, "articles": 3, "headlines": 2, "quarantined": 2,
        "dq_passed": 3, "dq_total": 4, "pass_rate": 0.75, "reachable": True,
        "coverage_reason": None,
    }  # fmt: skip
    assert alpha["per_day"]["2024-09-07"]["articles"] == 2
    assert beta["per_day"]["2024-09-08"]["articles"] == 1
    assert beta["per_day"]["2024-09-08"]["errors"] == 1
    assert alpha["per_day"]["2024-09-07"]["pass_rate"] == 1.0
    assert "2024-09-06" not in alpha["per_day"]
    assert beta["per_day"]["2024-09-08"]["pass_rate"] == 0.5
    assert data["reasons"][0] == {"source_id": "alpha", "reason": "no publication date", "count": 2}
    assert {(r["source_id"], r["reason"], r["count"]) for r in data["reasons"]} == {
        ("alpha", "no publication date", 2), ("alpha", "duplicate title", 1),
        ("beta", "no publication date", 1),
    }  # fmt: skip
    assert data["drift"] == [{
        "source_id": "beta", "day": "2024-09-08", "check": "author_fill_rate", "today": 0.05,
        "baseline": 0.9, "baseline_days": 14,
    }]  # fmt: skip
    assert [h["title"] for h in data["headlines"]] == [EVIL, "Второй заголовок"]


def test_window_ends_on_a_chosen_day_and_links_move_it(db):
    _seed(db)
    data = overview(db, days=2, end=date(2024, 9, 7))
    assert data["days"] == ["2024-09-06", "2024-09-07"] and not data["latest"]
    alpha = data["sources"][0]
    assert set(alpha["per_day"]) == {"2024-09-07"}  # the 8th is outside the window
    assert alpha["per_day"]["2024-09-07"]["articles"] == 2
    html = render_page(data, [], None)
    assert 'href="?end=2024-09-05&amp;days=2" id="earlier"' in html
    assert 'href="?end=2024-09-09&amp;days=2" id="later"' in html
    assert 'id="latest"' in html and "(the latest day with fetches)" not in html
    assert html.count('src="chart/volume.svg?end=2024-09-07&amp;days=2"') == 1
    assert overview(db)["latest"] is True


def test_charts_are_svg_without_external_script(db):
    from mediamon.monitor import CHARTS

    _seed(db)
    data = overview(db, days=3)
    svg = CHARTS["volume.svg"](data)
    assert svg.startswith("<svg") and "Articles loaded per source and day" in svg
    assert "kozea" not in svg and "<script src" not in svg.replace("\n", "")
    for label in ("alpha", "beta", "2024-09-07"):
        assert label in svg
    assert "Data-quality pass rate" in CHARTS["pass_rate.svg"](data)


def test_the_page_opens_on_reachable_days_marks_unreachable_ones_and_says_what_it_cuts(db):
    """Issue 20 item 6: a run of a later day over an old recording (unreachable) does not move
    the default window off the days with data; an unreachable day is marked with its reason;
    a list longer than the headlines shown says so."""
    _seed(db)
    coverage = [
        ("alpha", date(2024, 9, 7), False, "cannot reach this day: read on 2024-09-08"),
        ("alpha", DAY, True, None),
        ("alpha", date(2026, 12, 2), False, "cannot reach this day: its lists were read on "
         "2024-09-08, before the day began"),
    ]  # fmt: skip
    with db.cursor() as cur:
        cur.execute(
            "insert into fetches (source_id, day, url, kind, status, bytes, fetched_at, "
            "warc_path, warc_offset) values ('alpha', '2026-12-02', 'https://alpha.example/x', "
            "'feed', 200, 10, now(), 'w', 999)"
        )
        for sid, day, ok, why in coverage:
            cur.execute(
                "insert into source_day_coverage (source_id, day, run_key, promised, captured, "
                "missing, undated, reachable, flagged, reason) "
                "values (%s, %s, 'k', 0, 0, 0, 0, %s, %s, %s)", (sid, day, ok, not ok, why),
            )  # fmt: skip
        for pos in range(3, 13):  # the feed of the 8th now lists 12 items
            url = f"https://alpha.example/h{pos}"
            cur.execute(
                "insert into sightings (day, source_id, list_id, canonical_url, position, title) "
                "values (%s, 'alpha', 'rss', %s, %s, 't')", (DAY, url, pos),
            )  # fmt: skip
    db.commit()
    data = overview(db, days=3)
    assert data["end"] == "2024-09-08" and data["latest"]
    alpha = data["sources"][0]["per_day"]
    assert alpha["2024-09-07"]["reachable"] is False
    assert alpha["2024-09-07"]["coverage_reason"].startswith("cannot reach this day")
    assert alpha["2024-09-08"]["reachable"] is True
    assert data["cut"] == [{"source_id": "alpha", "list_id": "rss", "shown": 10, "total": 12}]
    html = render_page(data, [], None)
    row = re.search(r'<tr data-source="alpha" data-day="2024-09-07"[^>]*>(.*?)</tr>', html, re.S)
    assert 'class="unreachable"' in row.group(0) and "unreachable</span>: cannot reach" in row[1]
    assert "alpha/rss shows 10 of 12" in html


def test_empty_warehouse_renders(db):
    html = render_page(overview(db), [], None)
    assert "No data in the warehouse yet" in html


def _registry(tmp_path):
    """Three sources: one whose entry says ``checked: 2026-11-30``, two ``never``."""
    import yaml
    from mediamon.config import load_sources

    entries = [
        {"id": sid, "homepage": f"https://{sid}.example/", "languages": ["kk"],
         "timezone": "Asia/Almaty", "feeds": [{"id": "rss", "url": f"https://{sid}.example/rss"}],
         **extra}
        for sid, extra in [("alpha", {"checked": "2026-11-30"}), ("beta", {}), ("gamma", {})]
    ]  # fmt: skip
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": entries}), encoding="utf-8")
    return load_sources(path)


def test_unchecked_sources_are_shown_as_such_with_their_last_check(db, tmp_path):
    """Issue 15: a source no live check has passed for is "unchecked" on the page; a live pass
    stored in source_checks makes it checked; the last check's verdict and reason show."""
    from mediamon.sourcecheck import Outcome, SourceCheck, store_checks

    _seed(db)
    sources = _registry(tmp_path)
    at = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)
    ok = [Outcome("feed:rss", True, 12), Outcome("article", True, 1)]
    bad = [Outcome("feed:rss", False, reason=EVIL), Outcome("article", False, reason="no link")]
    store_checks(db, [
        SourceCheck("beta", "live", at, ok),  # passed live: checked since the 2nd
        SourceCheck("gamma", "live", at, bad),  # failed live: still unchecked
        SourceCheck("gamma", "offline", at.replace(hour=9), ok),  # offline: never "checked"
    ])  # fmt: skip
    checks = overview(db, days=3, sources=sources)["checks"]
    assert checks["unchecked"] == 1 and checks["error"] is None
    alpha, beta, gamma = checks["sources"]
    assert (alpha["checked"], alpha["last"]) == ("2026-11-30", None)
    assert beta["checked"] == "2026-12-02"
    assert beta["last"] == {"checked_at": "2026-12-02 08:30 UTC", "mode": "live",
                            "verdict": "pass", "reason": ""}  # fmt: skip
    assert gamma["checked"] is None
    assert (gamma["last"]["mode"], gamma["last"]["verdict"]) == ("offline", "pass")

    html = render_page(overview(db, days=3, sources=sources), [], None)
    assert "1 of 3 sources of the registry unchecked" in html
    row = re.search(r'<tr data-source="gamma">(.*?)</tr>', html, re.S).group(1)
    assert '<span class="bad">unchecked</span>' in row and "2026-12-02 09:30 UTC (offline)" in row
    row = re.search(r'<tr data-source="alpha">(.*?)</tr>', html, re.S).group(1)
    assert 'data-field="checked">2026-11-30<' in row and 'class="muted">never<' in row
    # the newest check of gamma passed, so the failed one's scraped reason is not shown;
    # a failing newest check shows its reason, escaped
    store_checks(db, [SourceCheck("gamma", "live", at.replace(hour=10), bad)])
    html = render_page(overview(db, days=3, sources=sources), [], None)
    row = re.search(r'<tr data-source="gamma">(.*?)</tr>', html, re.S).group(1)
    assert ">fail<" in row and "feed:rss: &lt;script&gt;" in row and "<script>" not in row


def test_a_fresh_install_lists_every_source_unchecked(db, tmp_path):
    html = render_page(overview(db, sources=_registry(tmp_path)), [], None)
    assert "No data in the warehouse yet" in html
    assert html.count('<span class="bad">unchecked</span>') == 2


class _Text(HTMLParser):
    """Visible text and element names of a page (what a browser would build)."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_page_escapes_scraped_values_and_draws_charts(db):
    _seed(db)
    html = render_page(overview(db), [], "data-docs/index.html")
    parsed = _Text()
    parsed.feed(html)
    assert "script" not in parsed.tags  # neither ours nor the headline's, nor the chart's
    assert "b" not in parsed.tags
    assert EVIL in "".join(parsed.text)  # shown as text, character for character
    assert (
        "&lt;script&gt;window.__pwned = 1&lt;/script&gt; Аким &amp; &lt;b&gt;co&lt;/b&gt;" in html
    )
    assert "Alpha &lt;News&gt;" in html
    assert html.count('<img src="chart/') == 2
    assert 'href="data-docs/index.html"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing loaded from elsewhere
    row = re.search(r'data-source="alpha" data-day="2024-09-08">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'data-metric="articles">3<', row)
    assert re.search(r'data-metric="pass_rate">75 %<', row)


def test_plugin_is_mounted_behind_airflow_auth(api, db, warehouse, tmp_path):
    _seed(db)
    client, token = api
    anonymous = client.get("/mediamon/data.json")
    assert anonymous.status_code == 401
    browser = client.get("/mediamon/", headers={"accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303
    assert browser.headers["location"].startswith("/auth/login?next=")
    forged = client.get("/mediamon/", headers={"authorization": "Bearer not.a.jwt"})
    assert forged.status_code in (401, 403)

    auth = {"authorization": f"Bearer {token}"}
    page = client.get("/mediamon/", headers=auth)
    assert page.status_code == 200
    assert "&lt;script&gt;window.__pwned" in page.text
    assert page.headers["content-security-policy"] == "script-src 'none'"
    svg = client.get("/mediamon/chart/volume.svg", headers=auth)
    assert svg.headers["content-type"] == "image/svg+xml" and "<svg" in svg.text
    assert client.get("/mediamon/chart/volume.svg").status_code == 401
    data = client.get("/mediamon/data.json", headers=auth).json()
    assert data["sources"][0]["per_day"]["2024-09-08"]["articles"] == 3
    earlier = client.get("/mediamon/data.json?end=2024-09-07&days=1", headers=auth).json()
    assert earlier["days"] == ["2024-09-07"]
    assert earlier["sources"][0]["per_day"]["2024-09-07"]["articles"] == 2
    assert client.get("/mediamon/data.json?end=someday", headers=auth).status_code == 422
    assert client.get("/mediamon/chart/volume.svg?days=0", headers=auth).status_code == 422
    assert client.get("/mediamon/?end=9999-12-31&days=366", headers=auth).status_code == 422
    assert "password" not in page.text.lower() and warehouse not in page.text
    docs = tmp_path / "var" / "data_docs"  # MEDIAMON_DATA_DIR of the warehouse fixture
    docs.mkdir(parents=True)
    (docs / "index.html").write_text("<p>GX docs</p>")
    assert client.get("/mediamon/data-docs/index.html", headers=auth).text == "<p>GX docs</p>"
    escape = client.get("/mediamon/data-docs/..%2F..%2F..%2Fetc%2Fpasswd", headers=auth)
    assert escape.status_code == 404

    plugins = client.get("/api/v2/plugins", headers=auth).json()["plugins"]
    ours = next(p for p in plugins if p["name"] == "mediamon_monitor")
    assert ours["external_views"][0]["href"] == "mediamon/"
    assert ours["fastapi_apps"][0]["url_prefix"] == "/mediamon"
