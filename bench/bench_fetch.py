"""Fetch concurrency: 50 hosts, each 200 ms away (issue 9, item 6).

    .venv/bin/python bench/bench_fetch.py [--hosts 50] [--pages 10] [--delay 0.2] [--serial]
                                          [--quick]

One source owns HOSTS hosts; its sitemap lists PAGES article pages on each (interleaved, as a
sitemap of a multi-host outlet or an aggregator would). The replay server answers every
request after DELAY seconds (``ReplayServer(latency=...)``) and the crawler keeps at least
DELAY seconds between two requests to one host (``FetchPolicy.min_delay``). The crawl fetches
one host's pages in turn and hosts side by side (a thread pool keyed by host). The limit is
PAGES x DELAY (one host's queue); a serial crawl would take about HOSTS x PAGES x DELAY
(computed; measured too with --serial). ratio = limit / measured (target >= 0.5). Writes
bench/results/fetch.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, save  # noqa: E402

T0 = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)


def build(folder: Path, hosts: int, pages: int):
    """A capture of the hosts' pages and the sitemap, and the Source that owns them."""
    from mediamon.config import Sitemap, Source
    from mediamon.fetch.capture import sitemap_xml
    from mediamon.fetch.warcstore import CaptureWriter

    names = [f"h{n:02d}.bench.example" for n in range(hosts)]
    urls = [f"https://{h}/news/{p}.html" for p in range(pages) for h in names]
    html = [("Content-Type", "text/html; charset=utf-8")]
    warc = folder / "capture.warc.gz"
    with CaptureWriter(warc) as writer:
        writer.write_response(
            "https://h00.bench.example/sitemap.xml", 200, "OK",
            [("Content-Type", "application/xml")], sitemap_xml(urls), fetched_at=T0,
            kind="sitemap",
        )  # fmt: skip
        for url in urls:
            body = f"<html><body><h1>{url}</h1>{'<p>текст</p>' * 200}</body></html>".encode()
            writer.write_response(url, 200, "OK", html, body, fetched_at=T0, kind="article")
    source = Source(
        id="bench_fetch", name="Bench fetch", homepage="https://h00.bench.example/",
        languages=("ru",), timezone="UTC", first_year=2010, hosts=tuple(names),
        sitemaps=(Sitemap("sm", "https://h00.bench.example/sitemap.xml"),),
        max_articles=100000,
    )  # fmt: skip
    return warc, source


def timed_crawl(source, warc: Path, out: Path, delay: float, workers: int) -> tuple[float, int]:
    from mediamon.fetch.crawl import crawl
    from mediamon.fetch.fetcher import FetchPolicy
    from mediamon.fetch.http import make_session
    from mediamon.fetch.replay import ReplayServer

    with ReplayServer(warc, latency=delay) as server:
        session = make_session(replay=server.url)
        policy = FetchPolicy(min_delay=delay, workers=workers)
        t = time.perf_counter()
        stats = crawl(source, out, session=session, policy=policy)
        seconds = time.perf_counter() - t
    if stats.failures:
        raise RuntimeError(f"{stats.failures} failed fetches: {stats.errors[:3]}")
    return seconds, stats.exchanges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--pages", type=int, default=10, help="pages per host")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per host request")
    parser.add_argument("--serial", action="store_true", help="also time a one-thread crawl")
    parser.add_argument("--quick", action="store_true", help="tiny input (smoke test)")
    args = parser.parse_args()
    hosts, pages, delay = (5, 2, 0.05) if args.quick else (args.hosts, args.pages, args.delay)

    with tempfile.TemporaryDirectory(prefix="mediamon-bench-fetch-") as tmp:
        warc, source = build(Path(tmp), hosts, pages)
        seconds, exchanges = timed_crawl(source, warc, Path(tmp) / "pool.warc.gz", delay, 64)
        serial = None
        if args.serial or args.quick:
            serial, _ = timed_crawl(source, warc, Path(tmp) / "serial.warc.gz", delay, 1)
    limit = (pages + 1) * delay  # the sitemap, then one host's pages in turn
    bench = f"fetch {hosts} hosts x {pages} pages, {delay * 1000:.0f} ms"
    rows = [
        row(bench, "pool keyed by host: wall time", seconds, "s", limit=limit,
            ratio=limit / seconds, target="ratio >= 0.5", met=limit / seconds >= 0.5),
        row(bench, "pages per second", (exchanges - 1) / seconds, "pages/s"),
        row(bench, "serial bound: all pages x delay (computed)", hosts * pages * delay, "s"),
    ]  # fmt: skip
    if serial is not None:
        rows.append(row(bench, "one thread: wall time (measured)", serial, "s"))
    save("fetch", rows, quick=args.quick)


if __name__ == "__main__":
    main()
