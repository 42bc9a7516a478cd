"""Onboarding an outlet from its homepage (mediamon.onboard, `mediamon sources add`), offline:
captures holding the real baribar.kz front page (read from the shared fixtures at test time)
or small pages of our own, served over loopback by ReplayServer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from mediamon.cli import main
from mediamon.config import RegistryError, load_sources
from mediamon.fetch.http import make_session
from mediamon.fetch.replay import ReplayServer
from mediamon.fetch.warcstore import CaptureWriter, read_capture
from mediamon.onboard import OnboardError, add_to_registry, discover_outlet
from support import REAL_FIXTURES

FRONT = REAL_FIXTURES / "kz_frontpages"
T0 = datetime(2018, 3, 23, 9, 0, tzinfo=UTC)
FEED = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>b</title>
<item><title>\xd0\x91\xd1\x96\xd1\x80\xd1\x96\xd0\xbd\xd1\x88\xd1\x96</title>
<link>https://baribar.kz/123456/</link></item>
<item><title>Two</title><link>https://baribar.kz/123457/</link></item></channel></rss>"""
SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://baribar.kz/123456/</loc></url><url><loc>https://baribar.kz/123457/</loc></url>
</urlset>"""


def _capture(path: Path, pages: dict[str, tuple[str, bytes]]) -> Path:
    with CaptureWriter(path) as writer:
        for url, (content_type, body) in pages.items():
            writer.write_response(url, 200, "OK", [("Content-Type", content_type)], body,
                                  fetched_at=T0, kind="article")  # fmt: skip
    return path


def _discover(tmp_path, pages, url):
    warc = _capture(tmp_path / "site.warc.gz", pages)
    out = tmp_path / "onboard.warc.gz"
    with ReplayServer(warc) as server, make_session(replay=server.url) as session:
        found = discover_outlet(url, out, session=session)
    return found, list(read_capture(out))


def test_baribar_front_page_gives_a_kazakh_entry_with_its_declared_feed_and_sitemap(tmp_path):
    front = (FRONT / "baribar.kz.html").read_bytes()
    found, exchanges = _discover(tmp_path, {
        "https://baribar.kz/": ("text/html; charset=UTF-8", front),
        "https://baribar.kz/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /wp-admin/\n"
                                          b"Sitemap: https://baribar.kz/sitemap.xml\n"),
        "https://baribar.kz/feed/": ("application/rss+xml; charset=UTF-8", FEED),
        "https://baribar.kz/sitemap.xml": ("application/xml", SITEMAP),
    }, "https://baribar.kz/")  # fmt: skip
    entry = found.entry
    assert (entry["id"], entry["homepage"], entry["timezone"]) == (
        "baribar_kz", "https://baribar.kz/", "Asia/Almaty",
    )  # fmt: skip
    # the page claims lang="ru-RU"; its headlines are Kazakh
    assert entry["languages"] == ["kk"]
    assert [c["url"] for c in entry["feeds"][0]["urls"]] == ["https://baribar.kz/feed/"]
    assert entry["feeds"][0]["urls"][0]["evidence"].startswith(
        "PAGE: <link rel=alternate type=application/rss+xml title='Бәрі бар - Қазақстан "
        "жаңалықтары » Лента'> in the homepage fetched 2018-03-23; answered with a valid feed "
        "of 2 items"
    )
    assert entry["sitemaps"] == [{
        "id": "sitemap", "url": "https://baribar.kz/sitemap.xml",
        "evidence": "ROBOTS: a Sitemap: line of robots.txt: 2 URLs on 2018-03-23",
    }]  # fmt: skip
    assert entry["listings"][0]["url"] == "https://baribar.kz/"
    # the gold's items, no selectors: 30 in page order, one story twice (kept once)
    gold = json.loads((FRONT / "baribar.kz.gold.json").read_text(encoding="utf-8"))["items"]
    stories = {i["href"].rstrip("/").removeprefix("https://baribar.kz") for i in gold}
    assert sum(b.items for b in found.blocks) == len(stories) == 29
    # comment feeds are not asked for; the common paths neither (the declared feed works)
    assert [(e.kind, e.url, e.status) for e in exchanges] == [
        ("robots", "https://baribar.kz/robots.txt", 200),
        ("listing", "https://baribar.kz/", 200),
        ("feed", "https://baribar.kz/feed/", 200),
        ("sitemap", "https://baribar.kz/sitemap.xml", 200),
    ]
    assert exchanges[2].reason == "sources add: declared by the homepage's <link rel=alternate>"
    # the entry is valid in a registry of its own
    registry = tmp_path / "sources.yaml"
    add_to_registry(entry, registry)
    source = load_sources(registry)["baribar_kz"]
    assert source.feeds[0].url == "https://baribar.kz/feed/"


def test_zone_stated_by_the_page_wins_and_common_feed_paths_are_probed(tmp_path):
    stories = "".join(
        f'<li><a href="/news/2024/03/0{n}/aktau-port-zhanalyk-{n}">Ақтау портында жаңа '
        f"кеме жүзіп шықты, хабарлайды {n}</a></li>"
        for n in range(1, 5)
    )
    page = (
        '<html lang="kk"><head><title>Aqtau</title><script>var cfg = {"timezone_string":'
        f'"Asia/Aqtau"}};</script></head><body><ul class="news">{stories}</ul></body></html>'
    ).encode()
    found, exchanges = _discover(tmp_path, {
        "https://aqtau.example.kz/": ("text/html; charset=utf-8", page),
        "https://aqtau.example.kz/feed": ("application/rss+xml", FEED),
    }, "https://aqtau.example.kz")  # fmt: skip
    assert found.entry["timezone"] == "Asia/Aqtau"
    assert found.timezone_note == "Asia/Aqtau, stated 1 time(s) in the homepage's markup"
    assert found.entry["languages"] == ["kk"]
    assert [c["url"] for c in found.entry["feeds"][0]["urls"]] == ["https://aqtau.example.kz/feed"]
    feeds = [(e.url, e.status) for e in exchanges if e.kind == "feed"]
    assert feeds == [("https://aqtau.example.kz/rss", 404), ("https://aqtau.example.kz/feed", 200)]
    assert "sitemaps" not in found.entry  # robots.txt lists none; the common paths answer 404


def test_a_homepage_without_a_page_is_an_error(tmp_path):
    with pytest.raises(OnboardError, match=r"https://gone.example.kz/: no page: not 2xx"):
        _discover(tmp_path, {}, "https://gone.example.kz/")


REGISTRY = """# my outlets
sources:
  # the first
  - id: first_kz
    homepage: https://first.kz/
    languages: [ru]
    timezone: Asia/Almaty
    listings: [{id: front, url: https://first.kz/}]
"""
ENTRY = {
    "id": "second_kz", "homepage": "https://second.kz/", "languages": ["kk"],
    "timezone": "Asia/Almaty", "listings": [{"id": "front", "url": "https://second.kz/"}],
}  # fmt: skip


def test_add_to_registry_appends_keeping_comments_and_never_overwrites(tmp_path):
    registry = tmp_path / "sources.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    add_to_registry(ENTRY, registry)
    text = registry.read_text(encoding="utf-8")
    assert text.startswith(REGISTRY.rstrip("\n"))
    assert list(load_sources(registry)) == ["first_kz", "second_kz"]
    with pytest.raises(OnboardError, match="'second_kz' is already in .*: not overwritten"):
        add_to_registry({**ENTRY, "name": "other"}, registry)
    with pytest.raises(RegistryError, match=r"sources\[2\] \(third_kz\)\.timezone: unknown"):
        add_to_registry({**ENTRY, "id": "third_kz", "timezone": "Asia/Almati"}, registry)
    assert registry.read_text(encoding="utf-8") == text  # nothing written by the failures
    fresh = tmp_path / "new" / "sources.yaml"
    add_to_registry(ENTRY, fresh)
    assert list(load_sources(fresh)) == ["second_kz"]


def test_cli_refuses_an_id_already_in_the_registry_before_fetching(tmp_path, capsys):
    registry = tmp_path / "sources.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    assert main(["sources", "add", "https://www.first.kz/", "--registry", str(registry)]) == 2
    err = capsys.readouterr().err
    assert "mediamon sources add: source 'first_kz' is already in" in err
    assert registry.read_text(encoding="utf-8") == REGISTRY
    assert yaml.safe_load(registry.read_text(encoding="utf-8"))["sources"][0]["id"] == "first_kz"
