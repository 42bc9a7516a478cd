"""capture synth: a many-outlet, many-day capture the crawler and the parsers read as real."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from mediamon.config import load_sources
from mediamon.devtools.synth import synth_capture
from mediamon.fetch.crawl import crawl
from mediamon.fetch.http import make_session
from mediamon.fetch.replay import ReplayServer
from mediamon.fetch.warcstore import read_capture
from mediamon.parse import parse_article

ALMATY = ZoneInfo("Asia/Almaty")


def test_synth_capture_crawls_and_parses_day_by_day(tmp_path):
    warc = synth_capture(tmp_path / "cap", articles=12, days=2, hosts=3, end=date(2024, 9, 8))
    sources = load_sources(tmp_path / "cap" / "sources.yaml")
    assert sorted(sources) == ["synth_01", "synth_02", "synth_03"]
    exchanges = list(read_capture(warc))
    articles = [e for e in exchanges if e.kind == "article"]
    assert len(articles) == 12
    assert len({e.url for e in articles}) == 12
    assert len({e.body for e in articles}) == 12  # every page differs

    source = sources["synth_02"]
    day = date(2024, 9, 7)
    window = (
        datetime(2024, 9, 7, tzinfo=ALMATY),
        datetime(2024, 9, 8, tzinfo=ALMATY),
    )
    with ReplayServer(warc) as server:
        stats = crawl(
            source, tmp_path / "day.warc.gz", session=make_session(replay=server.url),
            window=window,
        )  # fmt: skip
    fetched = [e for e in read_capture(tmp_path / "day.warc.gz") if e.kind == "article"]
    # 12 articles over 3 hosts and 2 days: the host's 2 pages of that day, nothing else
    assert stats.failures == 0 and len(fetched) == 2
    assert all(f"/news/{day:%Y/%m/%d}/" in e.url for e in fetched)
    for ex in fetched:
        record = parse_article(ex.body, ex.url, source=source, fetched_at=ex.fetched_at)
        assert record["title"] and record["title_source"] == "profile"
        assert record["published_at"].astimezone(ALMATY).date() == day
        assert len(record["body_text"]) > 150
        assert record["canonical_url"] == ex.url
