"""``mediamon sources check --capture | --live`` (issue 15 item 4): each entry's feeds,
listings, sitemaps and a sample article, over loopback only: a capture of pages written here
(plus the real zakon.kz front page, read from the shared fixtures at test time) replayed, and a
local HTTP server standing for a live site (robots.txt, per-host delay, SSRF guard)."""

from __future__ import annotations

import shutil
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from mediamon.cli import main
from mediamon.config import RegistryError, load_sources
from support import REAL_FIXTURES, query

ZAKON = REAL_FIXTURES / "kz_frontpages" / "zakon.kz.html"
TITLES = [
    "Маслихат Алматы одобрил поправки в бюджет города на осень",
    "В Астане изменятся схемы трёх автобусных маршрутов с понедельника",
    "Аграрии Костанайской области обмолотили первый миллион гектаров",
    "В Караганде пройдёт фестиваль уличного театра в конце недели",
    "Павлодарские школьники победили на олимпиаде по информатике",
]


def story(n: int) -> str:
    """The path of story ``n`` (a dated article path, as real outlets print them)."""
    return f"news/2026/12/01/story-{n}.html"


def feed(base: str) -> str:
    items = "".join(
        f"<item><title>{t}</title><link>{base}{story(n)}</link>"
        f"<pubDate>Tue, 01 Dec 2026 0{n}:00:00 +0500</pubDate></item>"
        for n, t in enumerate(TITLES[:2], start=1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Good</title><link>{base}</link>{items}</channel></rss>"
    )


def front(base: str) -> str:
    items = "".join(
        f'<li class="news-item"><a href="{base}{story(n)}">{t}</a>'
        f'<time datetime="2026-12-01T0{n}:00:00+05:00">0{n}:00</time></li>'
        for n, t in enumerate(TITLES, start=1)
    )
    return (
        '<html lang="ru"><head><meta charset="utf-8"><title>Good</title></head><body>'
        '<nav><a href="/">Главная</a> <a href="/about">О нас</a></nav>'
        f'<main><h2>Последние новости</h2><ul class="news">{items}</ul></main>'
        "<footer>© Good</footer></body></html>"
    )


def article(n: int) -> str:
    text = " ".join(["Депутаты обсудили поправки к бюджету и приняли их большинством голосов."] * 6)
    return (
        '<html lang="ru"><head><meta charset="utf-8"></head><body><article>'
        f'<h1>{TITLES[n - 1]}</h1><time datetime="2026-12-01T0{n}:00:00+05:00">1 декабря</time>'
        f"<p>{text}</p><p>{text}</p></article></body></html>"
    )


def _capture_folder(tmp_path):
    """A capture folder (urls.tsv, pages, sources.yaml): ``good`` (a feed whose first
    candidate was never recorded, a front page, articles) and ``zakon_kz`` (the real front
    page, copied here at test time; its feed and articles not recorded)."""
    site = tmp_path / "site"
    site.mkdir(parents=True)
    base = "https://good.example/"
    pages = {"rss.xml": feed(base), "index.html": front(base)}
    pages |= {story(n): article(n) for n in range(1, 6)}
    rows = ["local_path\turl\tcontent_type\tfetched_at"]
    for path, body in pages.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(body, encoding="utf-8")
        url = base if path == "index.html" else base + path
        kind = "application/rss+xml" if path.endswith(".xml") else "text/html; charset=utf-8"
        rows.append(f"site/{path}\t{url}\t{kind}\t2026-12-02T10:00:00Z")
    shutil.copy(ZAKON, site / "zakon.html")
    html = "text/html; charset=utf-8"
    rows.append(f"site/zakon.html\thttps://www.zakon.kz/\t{html}\t2026-12-02T10:00:00Z")
    (tmp_path / "urls.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    registry = {
        "sources": [
            {"id": "good", "homepage": base, "languages": ["ru"], "timezone": "Asia/Almaty",
             "feeds": [{"id": "rss", "urls": [{"url": f"{base}old.rss"},
                                              {"url": f"{base}rss.xml"}]}],
             "listings": [{"id": "front", "url": base}]},
            {"id": "zakon_kz", "homepage": "https://www.zakon.kz/", "languages": ["ru"],
             "timezone": "Asia/Almaty",
             "feeds": [{"id": "rss", "url": "https://www.zakon.kz/rss.xml"}],
             "listings": [{"id": "front", "url": "https://www.zakon.kz/"}]},
        ]
    }  # fmt: skip
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True))
    return tmp_path


@pytest.mark.skipif(not ZAKON.is_file(), reason="shared real fixtures not present")
def test_offline_check_against_a_capture_prints_a_row_each_and_stores_them(
    tmp_path, warehouse, capsys, monkeypatch
):
    from mediamon.parse.blocks import find_headlines
    from mediamon.sourcecheck import latest_checks
    from support import make_source

    folder = _capture_folder(tmp_path / "capture")
    # the capture's replay sets both for this process: put them back afterwards
    monkeypatch.setenv("MEDIAMON_SOURCES", str(folder / "sources.yaml"))
    monkeypatch.setenv("MEDIAMON_REPLAY", "")
    assert main(["sources", "check", "--capture", str(folder)]) == 1  # zakon_kz fails
    out = capsys.readouterr().out
    good_row = next(line for line in out.splitlines() if line.startswith("good "))
    assert good_row.split()[:5] == ["good", "offline", "1/1", "0/0", "5"]
    assert good_row.rstrip().endswith("pass")
    assert "2026-12-01T01:00+05:00" in good_row and TITLES[0][:20] in good_row
    zakon_row = next(line for line in out.splitlines() if line.startswith("zakon_kz "))
    assert " fail " in zakon_row and "feed:rss: HTTP 404" in zakon_row
    assert "1 pass, 0 partial, 1 fail; 2 row(s) stored in source_checks" in out

    rows = query(warehouse, "select source_id, mode, verdict, feeds_ok, feeds_total, "
                 "listing_items, sample_title, outcomes from source_checks order by 1")  # fmt: skip
    good, zakon = rows
    assert good[:7] == ("good", "offline", "pass", 1, 1, 5, TITLES[0])
    feed_outcome = good[7][0]
    assert feed_outcome["check"] == "feed:rss" and feed_outcome["ok"] is True
    assert feed_outcome["items"] == 2 and feed_outcome["url"] == "https://good.example/rss.xml"
    assert feed_outcome["reason"] == (
        "candidate 2 of 2; before it: https://good.example/old.rss: HTTP 404 Not Found "
        "(not in the capture)"
    )
    # the real front page yields what the selector-less finder finds on it, in the check too
    expected = find_headlines(
        ZAKON.read_bytes(), "https://www.zakon.kz/", fetched_at=datetime.now(UTC),
        source=make_source(homepage="https://www.zakon.kz/", sid="zakon_kz"),
        listing=type("L", (), {"id": "front", "selectors": {}})(),
    ).headlines  # fmt: skip
    assert len(expected) >= 20 and zakon[:6] == ("zakon_kz", "offline", "fail", 0, 1,
                                                 len(expected))  # fmt: skip
    by_check = {o["check"]: o for o in zakon[7]}
    assert by_check["feed:rss"]["reason"] == "HTTP 404 Not Found (not in the capture)"
    assert by_check["listing:front"]["ok"] and by_check["listing:front"]["items"] == len(expected)
    assert by_check["article"]["url"] == expected[0]["url"]
    assert by_check["article"]["reason"] == "HTTP 404 Not Found (not in the capture)"
    latest = latest_checks(__import__("psycopg2").connect(warehouse))
    assert latest["good"]["verdict"] == "pass" and latest["good"]["live_passed_at"] is None
    assert latest["zakon_kz"]["reason"].startswith("feed:rss: HTTP 404 Not Found (not in the")


class _Site(ThreadingHTTPServer):
    """A live site on 127.0.0.1: robots.txt forbids /private/; every request is timed."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Pages)
        self.base = f"http://127.0.0.1:{self.server_address[1]}/"
        self.pages = {
            "/robots.txt": "User-agent: *\nDisallow: /private/\n",
            "/rss.xml": feed(self.base),
            "/": front(self.base),
            "/private/list.html": front(self.base),
            **{f"/{story(n)}": article(n) for n in range(1, 6)},
        }
        self.seen: list[tuple[float, str]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Pages(BaseHTTPRequestHandler):
    server: _Site

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        self.server.seen.append((time.monotonic(), self.path))
        body = self.server.pages.get(self.path)
        self.send_response(200 if body is not None else 404)
        kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html; charset=utf-8"
        self.send_header("Content-Type", kind if body is not None else "text/plain")
        data = (body or "no").encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_live_check_is_polite_robots_delay_and_ssrf_guard(tmp_path, warehouse, monkeypatch,
                                                          capsys):  # fmt: skip
    site = _Site()
    try:
        port = site.server_address[1]
        registry = {"sources": [
            {"id": "local", "homepage": site.base, "languages": ["ru"],
             "timezone": "Asia/Almaty", "allowed_hosts": [f"127.0.0.1:{port}"],
             "feeds": [{"id": "rss", "url": f"{site.base}rss.xml"}],
             "listings": [{"id": "front", "url": site.base},
                          {"id": "private", "url": f"{site.base}private/list.html"}]},
            # its feed alone: passes, and --record writes `checked:` on it
            {"id": "clean", "homepage": site.base, "languages": ["ru"],
             "timezone": "Asia/Almaty", "allowed_hosts": [f"127.0.0.1:{port}"],
             "feeds": [{"id": "rss", "url": f"{site.base}rss.xml"}]},
            # the same loopback server, not allowed: the SSRF guard refuses before connecting
            {"id": "guarded", "homepage": f"{site.base}guarded/", "languages": ["ru"],
             "timezone": "Asia/Almaty",
             "feeds": [{"id": "rss", "url": f"{site.base}guarded/rss.xml"}]},
        ]}  # fmt: skip
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump(registry, allow_unicode=True))
        monkeypatch.setenv("MEDIAMON_SOURCES", str(path))
        monkeypatch.setenv("MEDIAMON_MIN_DELAY", "0.2")
        monkeypatch.setenv("MEDIAMON_REPLAY", "http://127.0.0.1:9")  # --live ignores it
        assert main(["sources", "check", "--live", "--record"]) == 1
    finally:
        site.shutdown()
        site.server_close()
    out = capsys.readouterr().out
    rows = query(warehouse, "select source_id, mode, verdict, listing_items, outcomes "
                 "from source_checks order by 1")  # fmt: skip
    (clean, guarded, local) = rows
    assert clean[:4] == ("clean", "live", "pass", 0)
    recorded = {k: v.checked for k, v in load_sources(path).items()}
    today = datetime.now(UTC).date()
    assert recorded == {"clean": today, "local": None, "guarded": None}
    assert f"{path}: `checked: {today}` recorded on 1 source(s)" in out
    assert guarded[:3] == ("guarded", "live", "fail")
    assert "SSRF guard" in guarded[4][0]["reason"]
    assert local[:4] == ("local", "live", "partial", 5)
    by_check = {o["check"]: o for o in local[4]}
    assert by_check["feed:rss"]["items"] == 2 and by_check["article"]["ok"]
    assert "robots.txt" in by_check["listing:private"]["reason"]
    paths = [p for _, p in site.seen]
    assert paths[0] == "/robots.txt" and "/private/list.html" not in paths
    assert not any(p.startswith("/guarded") for p in paths)
    stamps = [t for t, _ in site.seen]
    # 0.2 s apart as the client sent them; arrival jitters, and without the delay they come
    # milliseconds apart
    assert min(b - a for a, b in zip(stamps, stamps[1:], strict=False)) >= 0.1

    # the live check's own captures, replayed: the same answers, offline
    monkeypatch.delenv("MEDIAMON_REPLAY")
    from mediamon.config import data_dir

    assert main(["sources", "check", "--capture", str(data_dir() / "checks")]) == 1
    rows = query(warehouse, "select source_id, verdict, listing_items from source_checks "
                 "where mode = 'offline' order by 1")  # fmt: skip
    assert rows == [("clean", "pass", 0), ("guarded", "fail", 0), ("local", "partial", 5)]


def test_verdicts_and_a_check_stored_twice_is_one_row(db):
    from mediamon.sourcecheck import Outcome, SourceCheck, latest_checks, store_checks

    at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    feed_ok, feed_bad = Outcome("feed:rss", True, 3), Outcome("feed:old", False, reason="HTTP 410")
    article = Outcome("article", True, 1)
    assert SourceCheck("a", "live", at, [feed_ok, article]).verdict == "pass"
    assert SourceCheck("a", "live", at, [feed_ok, feed_bad, article]).verdict == "partial"
    assert SourceCheck("a", "live", at, [feed_bad, article]).verdict == "fail"  # nothing yields
    no_date = Outcome("article", False, 1, reason="no date")
    assert SourceCheck("a", "live", at, [feed_ok, no_date]).verdict == "fail"
    passed = SourceCheck("a", "live", at, [feed_ok, article])
    assert store_checks(db, [passed]) == 1 and store_checks(db, [passed]) == 0
    later = SourceCheck("a", "offline", at.replace(hour=10), [feed_bad, article])
    assert store_checks(db, [later]) == 1
    latest = latest_checks(db)["a"]
    assert (latest["mode"], latest["verdict"], latest["live_passed_at"]) == ("offline", "fail", at)
    assert latest["reason"] == "feed:old: HTTP 410"


def test_record_checked_edits_one_line_per_entry_and_keeps_the_rest(tmp_path):
    from datetime import date

    from mediamon.config.checked import record_checked

    text = """# my outlets
sources:
  - id: one   # the first
    homepage: https://one.example/
    languages: [ru]
    timezone: Asia/Almaty
    feeds:
      - id: rss
        url: https://one.example/rss
        evidence: 'PAGE: <link rel=alternate>'
    checked: never
  - id: two
    homepage: https://two.example/
    languages: [kk]
    timezone: Asia/Almaty
    feeds: [{id: rss, url: "https://two.example/rss"}]
"""
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    assert record_checked(path, ["two", "one"], date(2026, 12, 3)) == ["one", "two"]
    after = path.read_text(encoding="utf-8")
    assert after == text.replace("checked: never", "checked: 2026-12-03").replace(
        "  - id: two\n", "  - id: two\n    checked: 2026-12-03\n"
    )
    assert record_checked(path, ["one"], date(2026, 12, 1)) == []  # never backwards
    with pytest.raises(KeyError, match="three"):
        record_checked(path, ["three"], date(2026, 12, 4))
    path.write_text(after.replace("timezone: Asia/Almaty\n    feeds: [", "timezone: Mars/X\n"
                                  "    feeds: ["), encoding="utf-8")  # fmt: skip
    broken = path.read_text(encoding="utf-8")
    with pytest.raises(RegistryError, match=f"{path}: sources\\[1\\] \\(two\\).timezone"):
        record_checked(path, ["one"], date(2026, 12, 4))
    assert path.read_text(encoding="utf-8") == broken  # untouched
    assert not list(tmp_path.glob(".sources.yaml.*"))
