"""One-command onboarding of an outlet (``mediamon sources add URL``): what its homepage and
robots.txt show, and the registry entry that follows from it.

:func:`discover_outlet` fetches through the polite :class:`~mediamon.fetch.fetcher.Fetcher`
(SSRF guard, robots.txt obeyed, per-host delay, caps), every exchange kept in a capture (the
evidence the entry cites), live or from a replayed capture:

1. the homepage (a ``front`` listing) and robots.txt;
2. feeds: the homepage's ``<link rel="alternate" type="application/rss+xml|atom+xml">`` on the
   site (comment feeds left out) in page order, else the common paths :data:`FEED_PATHS`, up
   to the first that answers with a valid feed (parses, at least one item): the entry's feed;
3. sitemaps: robots.txt's ``Sitemap:`` lines, else :data:`SITEMAP_PATHS`; a sitemap index's
   news children (``news`` in their URL) are preferred to the index; kept when it lists URLs;
4. headline blocks of the homepage, without selectors (:mod:`mediamon.parse.blocks`);
5. languages: of the headlines (each one's language; a language of 10 % of them or more),
   else the page's declared or guessed language; time zone: an IANA zone the page states
   (``"timezone": "Asia/Almaty"``, WordPress' ``timezone_string``), else the country-code
   domain's (:data:`~mediamon.fetch.capture.TLD_ZONES`: ``.kz`` is Asia/Almaty), else UTC.

:func:`add_to_registry` appends the entry to a registry file (created when missing) after
validating the whole file with it; an id already there is an error, never overwritten.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
import yaml

from mediamon.config import ID_PATTERN, Listing, RegistryError, Source
from mediamon.config.schema import validate_registry
from mediamon.fetch.capture import TLD_ZONES
from mediamon.fetch.fetcher import CrawlStats, Fetched, Fetcher, FetchPolicy
from mediamon.fetch.warcstore import CaptureWriter
from mediamon.parse import parse_feed, parse_listing, parse_sitemap, sitemap_children
from mediamon.parse._tree import make_tree, text_of
from mediamon.parse.decode import decode_html
from mediamon.parse.feed_links import feed_links
from mediamon.text.language import detect_headline_language, detect_language, normalize_code
from mediamon.text.table import format_table
from mediamon.text.urls import bare_host

FEED_PATHS = ("/rss", "/feed", "/rss.xml", "/feed/", "/rss/")
SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_news.xml", "/news-sitemap.xml")
LANGUAGE_SHARE = 0.10  # a language of at least this share of the headlines is the outlet's
SAMPLE = 3  # headlines shown per block
_ZONE = re.compile(
    r"\b((?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Z][A-Za-z_-]+)"
)


class OnboardError(ValueError):
    """The outlet cannot be onboarded (its homepage gave no page); the message says why."""


@dataclass
class FoundList:
    """A list found on the outlet: ``kind`` feed, sitemap or listing; ``items`` it yields;
    ``sample`` of its headline titles (or URLs for a sitemap); ``kept`` False with ``note``
    for a list tried and left out."""

    kind: str
    url: str
    items: int
    evidence: str
    sample: list[str] = field(default_factory=list)
    kept: bool = True
    note: str = ""


@dataclass
class Findings:
    """What :func:`discover_outlet` found and the registry ``entry`` (a plain dict)."""

    homepage: str
    entry: dict
    feeds: list[FoundList]
    sitemaps: list[FoundList]
    blocks: list[FoundList]
    languages_note: str
    timezone_note: str
    capture: Path
    fetched_at: datetime


def source_id_for(url: str) -> str:
    """A registry id from a URL's host: ``https://www.zakon.kz/`` → ``zakon_kz``."""
    sid = re.sub(r"[^a-z0-9]+", "_", bare_host(url)).strip("_")
    sid = sid if sid[:1].isalpha() else f"s_{sid}"
    if not ID_PATTERN.match(sid):
        raise OnboardError(f"cannot make a source id from {url!r}: give one with --id")
    return sid


def discover_outlet(
    url: str,
    capture: Path,
    *,
    session: requests.Session,
    source_id: str | None = None,
    policy: FetchPolicy | None = None,
) -> Findings:
    """Fetch ``url`` (the homepage), its robots.txt, feeds and sitemaps with ``session``
    into the WARC ``capture``, and draw up a registry entry (see the module).

    ``policy``: the fetcher's limits (default: robots.txt obeyed, live or replayed). Raises
    :class:`OnboardError` when the homepage gives no HTML page.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OnboardError(f"{url!r} is not an absolute http(s) URL")
    homepage = url if parts.path else url + "/"
    sid = source_id or source_id_for(homepage)
    host = bare_host(homepage)
    probe = Source(sid, host, homepage, ("ru",), "UTC", 1990, hosts=(host, f"www.{host}"))
    policy = policy or FetchPolicy(obey_robots=True)
    stats = CrawlStats()
    with CaptureWriter(capture) as writer:
        fetcher = Fetcher(session, writer, stats, probe, policy)
        why = f"sources add {sid}: the homepage"
        page = fetcher.get(homepage, kind="listing", list_id="front", reason=why)
        if page is None:
            raise OnboardError(f"{homepage}: no page: {'; '.join(stats.errors) or 'not 2xx'}")
        sitemap_lines = fetcher.robots.sitemaps(homepage) if fetcher.robots else []
        blocks, headlines = _blocks(page, probe)
        feeds = _feeds(fetcher, probe, page)
        sitemaps = _sitemaps(fetcher, probe, sitemap_lines)
    languages, languages_note = _languages(page, headlines)
    timezone, timezone_note = _timezone(page, homepage)
    day = page.fetched_at.date().isoformat()
    entry = {
        "id": sid,
        "name": _site_name(page) or host,
        "homepage": homepage,
        "languages": languages,
        "timezone": timezone,
    }
    kept_feeds = [f for f in feeds if f.kept]
    if kept_feeds:
        entry["feeds"] = [{"id": "rss", "urls": [{"url": f.url, "evidence": f.evidence}
                                                 for f in kept_feeds]}]  # fmt: skip
    entry["listings"] = [{"id": "front", "url": homepage, "evidence": (
        f"PAGE: the homepage fetched {day} by `mediamon sources add`: {len(headlines)} headlines "
        f"in {len(blocks)} blocks found without selectors")}]  # fmt: skip
    kept_maps = [s for s in sitemaps if s.kept]
    if kept_maps:
        entry["sitemaps"] = [
            {"id": "sitemap" if i == 1 else f"sitemap_{i}", "url": s.url, "evidence": s.evidence}
            for i, s in enumerate(kept_maps, 1)
        ]
    entry["evidence"] = (
        f"`mediamon sources add {homepage}` on {day}; its exchanges: {capture}. "
        f"Languages: {languages_note}. Time zone: {timezone_note}."
    )
    entry["checked"] = "never"
    return Findings(homepage, entry, feeds, sitemaps, blocks, languages_note, timezone_note,
                    capture, page.fetched_at)  # fmt: skip


def _blocks(page: Fetched, source: Source) -> tuple[list[FoundList], list[dict]]:
    front = Listing("front", page.url, {})
    result = parse_listing(
        page.body, page.url, source=source, listing=front, fetched_at=page.fetched_at
    )
    by_block: dict[str, list[dict]] = {}
    for h in result.headlines:
        by_block.setdefault(h.get("block") or "(page)", []).append(h)
    found = [
        FoundList("listing", label, len(items), "", [h["title"] for h in items[:SAMPLE]])
        for label, items in by_block.items()
    ]
    return found, result.headlines


def _valid_feed(page: Fetched | None, source: Source) -> tuple[int, list[str], str]:
    """(items, sample titles, why not) of a feed answer."""
    if page is None:
        return 0, [], "no feed answer"
    try:
        result = parse_feed(page.body, page.url, source=source, list_id="rss",
                            fetched_at=page.fetched_at)  # fmt: skip
    except Exception as exc:  # a broken document is one more feed that is not kept
        return 0, [], f"cannot read it: {type(exc).__name__}: {exc}"
    if result.refused_reason:
        return 0, [], f"not a feed: {result.refused_reason}"
    if not result.headlines:
        return 0, [], "a feed with no item"
    return (
        len(result.headlines),
        [h.get("title") or h["url"] for h in result.headlines[:SAMPLE]],
        "",
    )


def _get(fetcher: Fetcher, url: str, kind: str, why: str) -> tuple[Fetched | None, str]:
    """The page, or None and why not (HTTP status or the recorded error)."""
    errors = len(fetcher.stats.errors)
    page, status = fetcher.get_with_status(url, kind=kind, list_id="probe", reason=why)
    if page is not None:
        return page, ""
    new = fetcher.stats.errors[errors:]
    return None, f"HTTP {status}" if status else (new[-1] if new else "no answer")


def _feeds(fetcher: Fetcher, source: Source, home: Fetched) -> list[FoundList]:
    day = home.fetched_at.date().isoformat()
    declared = [
        (url, title) for url, title in feed_links(home.body, home.url, home.content_type)
        if source.owns(url) and "comment" not in url.lower()
    ]  # fmt: skip
    found = []
    for url, title in declared:
        why = "sources add: declared by the homepage's <link rel=alternate>"
        page, failure = _get(fetcher, url, "feed", why)
        items, sample, why = _valid_feed(page, source) if page else (0, [], failure)
        evidence = (
            f"PAGE: <link rel=alternate type=application/rss+xml title={title!r}> in the "
            f"homepage fetched {day}; answered with a valid feed of {items} items"
        )
        found.append(FoundList("feed", url, items, evidence, sample, not why, why))
        if not why:  # the first declared feed that works is the site's main feed
            return found
    for path in FEED_PATHS:
        url = urljoin(home.url, path)
        if any(f.url == url for f in found):
            continue
        page, failure = _get(fetcher, url, "feed", f"sources add: probing the common path {path}")
        items, sample, why = _valid_feed(page, source) if page else (0, [], failure)
        evidence = f"PROBE: {path} answered with a valid feed of {items} items on {day}"
        found.append(FoundList("feed", url, items, evidence, sample, not why, why))
        if not why:
            break
    return found


def _sitemaps(fetcher: Fetcher, source: Source, declared: list[str]) -> list[FoundList]:
    base = source.homepage
    tried = [(u, "ROBOTS: a Sitemap: line of robots.txt") for u in declared if source.owns(u)]
    if not tried:
        tried = [(urljoin(base, p), f"PROBE: the common path {p}") for p in SITEMAP_PATHS]
    found: list[FoundList] = []
    for url, how in tried:
        page, failure = _get(fetcher, url, "sitemap", f"sources add: {how}")
        if page is None:
            found.append(FoundList("sitemap", url, 0, how, kept=False, note=failure))
            continue
        children = sitemap_children(page.body)
        news = [c for c in children if "news" in c.lower() and source.owns(c)]
        day = page.fetched_at.date().isoformat()
        if news:
            for child in news[:2]:
                found.append(FoundList("sitemap", child, 0, f"{how}, an index whose news child "
                                       f"this is ({url}, {day})", note="news sitemap"))  # fmt: skip
            continue
        if children:
            note = f"a sitemap index of {len(children)} sitemaps"
            found.append(FoundList("sitemap", url, len(children), f"{how} ({day}): {note}",
                                   [c for c in children[:SAMPLE]], note=note))  # fmt: skip
            continue
        urls = parse_sitemap(page.body, page.url, source=source, list_id="probe",
                             fetched_at=page.fetched_at)  # fmt: skip
        ok = bool(urls)
        found.append(FoundList("sitemap", url, len(urls), f"{how}: {len(urls)} URLs on {day}",
                               [u["url"] for u in urls[:SAMPLE]], ok,
                               "" if ok else "lists no URL"))  # fmt: skip
    return found


def _languages(page: Fetched, headlines: list[dict]) -> tuple[list[str], str]:
    counts = Counter(code for h in headlines if (code := detect_headline_language(h.get("title"))))
    total = sum(counts.values())
    chosen = [code for code, n in counts.most_common() if n >= LANGUAGE_SHARE * total]
    if chosen:
        shares = ", ".join(f"{c} {counts[c]}" for c in chosen)
        return chosen, f"of the {total} headlines' languages: {shares}"
    root = make_tree(decode_html(page.body, page.content_type))
    declared = normalize_code(root.get("lang"))
    code = detect_language([declared], text_of(root.find("body"))[:5000]) or "en"
    return [code], f"the page's ({'declared ' + declared if declared else 'guessed'})"


def _timezone(page: Fetched, homepage: str) -> tuple[str, str]:
    stated = Counter()
    for name in _ZONE.findall(decode_html(page.body, page.content_type)):
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        stated[name] += 1
    if stated:
        name, n = stated.most_common(1)[0]
        return name, f"{name}, stated {n} time(s) in the homepage's markup"
    tld = bare_host(homepage).rsplit(".", 1)[-1]
    if tld in TLD_ZONES:
        return TLD_ZONES[tld], f"{TLD_ZONES[tld]}, the default for .{tld} (the page states none)"
    return "UTC", f"UTC: the page states no zone and .{tld} has no default; check it"


def _site_name(page: Fetched) -> str | None:
    root = make_tree(decode_html(page.body, page.content_type))
    for meta in root.iter("meta"):
        if (meta.get("property") or "").lower() == "og:site_name" and meta.get("content"):
            return " ".join(meta.get("content").split())
    title = root.find(".//title")
    text = text_of(title) if title is not None else ""
    return text[:80] or None


def add_to_registry(entry: dict, registry: Path) -> None:
    """Append ``entry`` to the registry file ``registry`` (created with a ``sources:`` list
    when missing), keeping the file's text and comments. The whole file is validated with
    the entry first (:class:`~mediamon.config.RegistryError`, one line per problem, nothing
    written); an id already in it is a :class:`OnboardError`. Written atomically."""
    registry = Path(registry)
    text = registry.read_text(encoding="utf-8") if registry.exists() else ""
    doc = yaml.safe_load(text) if text.strip() else {"sources": []}
    existing = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(existing, list):
        raise RegistryError(f"{registry}: expected a mapping with a 'sources' list")
    if any(isinstance(s, dict) and s.get("id") == entry["id"] for s in existing):
        raise OnboardError(
            f"source {entry['id']!r} is already in {registry}: not overwritten "
            "(give another id with --id, or edit the file)"
        )
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    if existing:
        indent = _item_indent(text)
        block = "".join(indent + line if line.strip() else line
                        for line in block.splitlines(keepends=True))  # fmt: skip
        new = text.rstrip("\n") + "\n\n" + block
    else:
        new = "sources:\n" + "".join("  " + line for line in block.splitlines(keepends=True))
    parsed = yaml.safe_load(new)
    _, errors = validate_registry(parsed, str(registry))
    if errors or len(parsed["sources"]) != len(existing) + 1:
        raise RegistryError("\n".join(errors or [f"{registry}: cannot append to its layout"]),
                            errors or None)  # fmt: skip
    registry.parent.mkdir(parents=True, exist_ok=True)
    tmp = registry.with_name(f".{registry.name}.{os.getpid()}.part")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, registry)


def _item_indent(text: str) -> str:
    """The indentation of the ``sources:`` list's items in a registry's text."""
    match = re.search(r"^sources:\s*(?:#.*)?\n(?:\s*(?:#.*)?\n)*?([ \t]*)- ", text, re.M)
    return match.group(1) if match else "  "


def format_findings(found: Findings, width: int = 40, samples: int = 2) -> str:
    """What :func:`discover_outlet` found, for people: the homepage, languages, zone, then a
    table of every feed, sitemap and headline block tried (items, kept, a sample or why
    not)."""

    def cut(text: str) -> str:
        text = " ".join(str(text).split())
        return text if len(text) <= width else text[: width - 1] + "…"

    rows = [
        {
            "kind": x.kind,
            "list": cut(x.url),
            "items": x.items,
            "kept": "yes" if x.kept else "no",
            "sample or why not": " · ".join(f"«{cut(s)}»" for s in x.sample[:samples])
            if x.kept
            else x.note,
        }
        for x in (*found.feeds, *found.sitemaps, *found.blocks)
    ]  # fmt: skip
    entry = found.entry
    head = [
        f"homepage   {found.homepage}  (fetched {found.fetched_at:%Y-%m-%d %H:%M} UTC)",
        f"languages  {', '.join(entry['languages'])}  ({found.languages_note})",
        f"time zone  {found.timezone_note}",
        f"headlines  {sum(b.items for b in found.blocks)} in {len(found.blocks)} blocks "
        "(no selectors)",
        "",
    ]
    return "\n".join(head) + format_table(rows, list(rows[0]) if rows else ["kind"])
