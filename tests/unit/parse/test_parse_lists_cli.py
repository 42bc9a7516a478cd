"""mediamon parse-feed / parse-listing: JSON on stdout."""

from __future__ import annotations

import json

from mediamon.cli import main
from support import DEMO


def test_parse_feed_prints_items(tmp_path, capsys):
    path = tmp_path / "feed.xml"
    path.write_bytes(
        '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel>'
        "<title>Лента</title><item><title>Мнение: Ёлка в Астане | Exclusive.kz</title>"
        "<link>https://exclusive.kz/a/1</link><author>a@b.kz (Жарас Ахметов)</author>"
        "<pubDate>Mo, 25 Jun 2018 11:41:36</pubDate></item></channel></rss>".encode("cp1251")
    )
    assert main(["parse-feed", str(path), "--url", "https://exclusive.kz/rss"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["feed"]["title"] == "Лента" and out["feed"]["encoding"] == "windows-1251"
    (item,) = out["items"]
    assert item["title"] == "Мнение: Ёлка в Астане | Exclusive.kz"
    assert item["title_normalized"] == "елка в астане"
    assert item["published_at"] == "2018-06-25T11:41:36+06:00"
    assert item["date_flag"] == "zone_assumed" and item["authors"] == ["Жарас Ахметов"]
    assert item["position"] == 1 and out["warnings"] == []


def test_parse_feed_refuses_html(tmp_path, capsys):
    path = tmp_path / "moved.rss"
    path.write_bytes(b"<html><head><title>Document Moved</title></head><body></body></html>")
    assert main(["parse-feed", str(path)]) == 1
    assert json.loads(capsys.readouterr().out)["refused_reason"] == "not a feed: HTML page"
    assert main(["parse-feed", str(tmp_path / "missing.xml")]) == 2


def test_parse_listing_uses_the_registry_selectors(monkeypatch, capsys):
    monkeypatch.setenv("MEDIAMON_SOURCES", str(DEMO / "sources.yaml"))
    page = DEMO / "site" / "category" / "obshchestvo" / "index.html"
    url = "https://exclusive.kz.example/category/obshchestvo/"
    assert main(["parse-listing", str(page), "--source", "exclusive_demo", "--url", url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["feed"]["list_id"] == "society"
    assert out["feed"]["next_page_url"].endswith("/page/2/")
    titles = [i["title"] for i in out["items"]]
    assert len(titles) == len(set(titles)) > 0  # printed twice on the page, kept once
    assert {i["byline"] for i in out["items"]} >= {"Редакция Exclusive", None}
    assert main(["parse-listing", str(page), "--source", "nope"]) == 2
