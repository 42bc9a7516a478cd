"""Commands on files: ``parse-article``/``parse-feed``/``parse-listing`` (one saved page as
JSON), ``capture build|serve|synth``, and ``sources check`` (the registry, offline; fetching
with ``--live``/``--capture``: :mod:`mediamon.cli.checks`)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from mediamon.cli import checks, onboard
from mediamon.cli.common import known_sources
from mediamon.cli.usage import count, existing_path, local_day
from mediamon.config import load_sources, registry_path
from mediamon.text.table import format_table


def add_commands(sub) -> None:
    """Add this module's commands to the ``mediamon`` subparsers ``sub``."""
    capture = sub.add_parser("capture", help="captures").add_subparsers(required=True)
    build = capture.add_parser("build", help="build a capture from saved pages or a WARC")
    build.add_argument("source", type=existing_path)
    build.add_argument("out", type=Path)
    build.set_defaults(func=cmd_capture_build)
    serve = capture.add_parser("serve", help="serve a capture on 127.0.0.1")
    serve.add_argument("capture", type=existing_path, help="a built capture folder or a WARC file")
    serve.add_argument("--port", type=count(0, 65535), default=8765)
    serve.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay every answer (a slow site)"
    )
    serve.set_defaults(func=cmd_capture_serve)
    synth = capture.add_parser(
        "synth", help="a synthetic capture: many outlets and days built from the demo pages"
    )
    synth.add_argument("out", type=Path)
    synth.add_argument("--articles", type=count(1), required=True, help="article pages in total")
    synth.add_argument("--days", type=count(1, 366), default=1, help="local days, ending on --end")
    synth.add_argument("--hosts", type=count(1, 99), default=10, help="outlets (one host each)")
    synth.add_argument("--end", type=local_day, default=date(2024, 9, 8))
    synth.add_argument("--seed", type=int, default=0)
    synth.set_defaults(func=cmd_capture_synth)

    article = sub.add_parser(
        "parse-article", help="parse one saved article page and print it as JSON"
    )
    article.add_argument("path", type=Path, help="the saved page (HTML, or gzipped HTML)")
    article.add_argument("--url", default=None, help="the URL it was fetched from")
    article.add_argument("--fetched-at", default=None, help="fetch instant, ISO 8601")
    article.add_argument("--source", default=None, help="registry source id (zone, selectors)")
    article.add_argument("--content-type", default=None, help="the HTTP Content-Type value")
    article.set_defaults(func=cmd_parse_article)

    feed = sub.add_parser("parse-feed", help="parse one saved RSS/Atom feed and print JSON")
    feed.add_argument("path", type=Path, help="the saved feed (XML, or gzipped)")
    feed.add_argument("--url", default=None, help="the URL it was fetched from")
    feed.add_argument("--source", default=None, help="registry source id (its time zone)")
    feed.add_argument("--fetched-at", default=None, help="fetch instant, ISO 8601 (default now)")
    feed.set_defaults(func=cmd_parse_feed)

    listing = sub.add_parser("parse-listing", help="parse one saved listing page, print JSON")
    listing.add_argument("path", type=Path, help="the saved page (HTML, or gzipped)")
    listing.add_argument("--source", default=None, help="registry source id (else --url's site)")
    listing.add_argument("--url", default=None, help="the URL it was fetched from")
    listing.add_argument("--list", dest="list_id", default=None, help="the listing id")
    listing.add_argument(
        "--fetched-at", default=None, help="fetch instant, ISO 8601 (default now): dates HH:MM"
    )
    listing.set_defaults(func=cmd_parse_listing)

    sources = sub.add_parser("sources", help="the sources registry").add_subparsers(required=True)
    check = sources.add_parser(
        "check", help="validate the registry (MEDIAMON_SOURCES or the packaged one), a row each"
    )
    check.add_argument(
        "--source", dest="sources", action="append", default=[], help="source id (repeatable)"
    )
    checks.add_arguments(check)  # --live | --capture: fetch and check (cli/checks.py)
    check.set_defaults(func=cmd_sources_check)
    onboard.add_command(sources)


def cmd_sources_check(args) -> int:
    """One row per source of the registry in force: id, languages, zone, how many feeds,
    listings and sitemaps, and when a live check last passed. Offline: the registry is
    validated (exit 2 with one line per problem), nothing is fetched. With ``--live`` or
    ``--capture``: :func:`mediamon.cli.checks.cmd_check_sources`."""
    if checks.wanted(args):
        return checks.cmd_check_sources(args)
    path = registry_path()
    sources = load_sources(path)
    wanted = known_sources(args.sources)
    rows = [
        {
            "id": src.id,
            "languages": ",".join(src.languages),
            "zone": src.timezone,
            "feeds": len(src.feeds),
            "listings": len(src.listings),
            "sitemaps": len(src.sitemaps),
            "checked": src.checked or "never",
        }
        for src in sources.values()
        if src.id in wanted
    ]
    print(format_table(rows, list(rows[0]) if rows else ["id"]))
    kazakh = sum("kk" in s.languages for s in sources.values())
    print(f"\n{path}: valid, {len(sources)} source(s), {kazakh} in Kazakh; shown {len(rows)}")
    return 0


def _print_parsed(command: str, parse, **kwargs) -> dict | None:
    """Run a ``parse-*`` command: its JSON on stdout, or its input error on stderr (None)."""
    from mediamon.parse.input_file import InputError

    try:
        out = parse(**kwargs)
    except InputError as exc:
        print(f"mediamon {command}: {exc}", file=sys.stderr)
        return None
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return out


def cmd_parse_feed(args) -> int:
    """JSON on stdout; exit 1 when the document is refused as a feed, 2 for unusable input."""
    from mediamon.parse.lists_file import parse_feed_file

    out = _print_parsed(
        "parse-feed", parse_feed_file, path=args.path, url=args.url, source_id=args.source,
        fetched_at=args.fetched_at,
    )  # fmt: skip
    return 2 if out is None else 1 if out["refused_reason"] else 0


def cmd_parse_listing(args) -> int:
    """JSON on stdout; exit 2 with a message on stderr for unusable input."""
    from mediamon.parse.lists_file import parse_listing_file

    if args.source is None:
        from mediamon.parse.blocks_file import find_headlines_file

        out = _print_parsed("parse-listing", find_headlines_file, path=args.path, url=args.url,
                            fetched_at=args.fetched_at)  # fmt: skip
        return 2 if out is None else 0
    out = _print_parsed(
        "parse-listing", parse_listing_file, path=args.path, source_id=args.source,
        url=args.url, list_id=args.list_id, fetched_at=args.fetched_at,
    )  # fmt: skip
    return 2 if out is None else 0


def cmd_parse_article(args) -> int:
    """One JSON object on stdout; exit 2 with a message on stderr for unreadable input."""
    from mediamon.parse.article_file import parse_article_file

    out = _print_parsed(
        "parse-article", parse_article_file, path=args.path, url=args.url,
        fetched_at=args.fetched_at, source_id=args.source, content_type=args.content_type,
    )  # fmt: skip
    return 2 if out is None else 0


def cmd_capture_build(args) -> None:
    from mediamon.fetch.capture import build_capture

    warc = build_capture(args.source, args.out)
    print(f"capture: {warc}\nregistry: {args.out / 'sources.yaml'}")


def cmd_capture_synth(args) -> None:
    from mediamon.devtools.synth import synth_capture

    warc = synth_capture(
        args.out, articles=args.articles, days=args.days, hosts=args.hosts, end=args.end,
        seed=args.seed,
    )  # fmt: skip
    print(f"capture: {warc}\nregistry: {args.out / 'sources.yaml'}")


def cmd_capture_serve(args) -> None:
    from mediamon.fetch.replay import ReplayServer

    warc = args.capture / "capture.warc.gz" if args.capture.is_dir() else args.capture
    server = ReplayServer(warc, port=args.port, latency=args.latency_ms / 1000)
    print(f"serving {server.size} recorded URLs from {warc} at {server.url} (Ctrl-C stops)")
    print(f"use it: export MEDIAMON_REPLAY={server.url}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
