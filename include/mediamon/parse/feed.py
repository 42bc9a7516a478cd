"""RSS/Atom feeds to headline dicts, with feedparser."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
from bs4 import BeautifulSoup

from mediamon.parse.dates import parse_date
from mediamon.parse.urls import absolute_url, canonicalize_url


@dataclass
class FeedResult:
    """Result of :func:`parse_feed`.

    ``headlines``: one dict per entry with a link, in feed order. ``refused_reason``: None, or
    why the document was not treated as a feed at all (then ``headlines`` is empty).
    ``warnings``: problems that did not stop parsing (bozo feeds, entries without a link).
    ``skipped``: entries that could not become headlines, as ``{"position", "title",
    "reason"}`` dicts, so the caller can quarantine them instead of losing them.
    """

    headlines: list[dict] = field(default_factory=list)
    refused_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


_HTML_MARKERS = (b"<html", b"<!doctype html", b"<head", b"<body")


def _looks_like_html(body: bytes) -> bool:
    """True when the start of ``body`` has an HTML root, doctype, ``<head>`` or ``<body>``."""
    head = body[:2048].lower()
    return any(marker in head for marker in _HTML_MARKERS)


def _plain(text: str | None) -> str | None:
    if not text:
        return None
    if "<" in text and ">" in text:
        text = BeautifulSoup(text, "lxml").get_text()
    text = " ".join(text.split())
    return text or None


def _entry_date(entry: Any, tz: str) -> datetime | None:
    for raw_key, parsed_key in (
        ("published", "published_parsed"),
        ("updated", "updated_parsed"),
        ("created", "created_parsed"),
    ):
        raw = entry.get(raw_key)
        if raw:
            dt = parse_date(raw, tz=tz)
            if dt is not None:
                return dt
        parsed = entry.get(parsed_key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None


_RSS_AUTHOR = re.compile(r"^\s*[^\s@()]+@[^\s()]+\s*\((?P<name>[^()]+)\)\s*$")
_BARE_EMAIL = re.compile(r"^\s*[^\s@()]+@[^\s()]+\s*$")


def _entry_byline(entry: Any) -> str | None:
    """The entry's author name. RSS 2.0 ``<author>`` is an e-mail address, by convention
    ``email (Name)``: the name is read from the raw string, because feedparser's split of it
    mangles addresses whose top-level domain is longer than four letters. A bare address is
    no byline."""
    raw = entry.get("author") or ""
    match = _RSS_AUTHOR.match(raw)
    if match:
        return _plain(match.group("name"))
    if _BARE_EMAIL.match(raw):
        return None
    detail = entry.get("author_detail") or {}
    name = detail.get("name") if hasattr(detail, "get") else None
    return _plain(name or raw)


def parse_feed(
    body: bytes,
    url: str,
    *,
    source: Any,
    list_id: str,
    fetched_at: datetime,
) -> FeedResult:
    """Parse an RSS 0.9x/1.0/2.0 or Atom document (raw bytes) into headlines.

    feedparser reads the bytes itself (XML declaration, BOM, or detection for the charset).
    A document that feedparser does not recognise as any feed version and whose first 2 KB
    hold ``<html``, ``<!doctype html``, ``<head`` or ``<body`` is refused:
    ``refused_reason="not a feed: HTML page"``, no headlines. A malformed ("bozo") feed keeps
    whatever entries were read and adds ``"bozo: <exception>"`` to ``warnings``. Entries
    without an http(s) link (after resolving it against ``url``; an http(s) ``id``/guid stands
    in for a missing link) are skipped with a warning.

    Each headline dict has: ``source_id``, ``list_id``, ``list_kind="feed"``, ``list_url``
    (``url``), ``position`` (1-based index of the entry in the feed, so a skipped entry leaves
    a gap), ``title`` (plain text, whitespace collapsed, or None), ``url`` (the entry link made
    absolute against ``url``), ``canonical_url``, ``published_at`` (tz-aware or None: the raw
    published/updated string parsed with :func:`parse_date` in ``source.timezone`` so that
    offsets feedparser drops, such as "+03", are kept; feedparser's own UTC parse otherwise),
    ``byline`` (author name / dc:creator, or None) and ``fetched_at`` (as given).

    Never raises for bad input: an exception inside feedparser becomes a refusal.
    """
    try:
        parsed = feedparser.parse(body)
    except Exception as exc:  # feedparser is robust, but a crash must not stop the run
        return FeedResult([], f"feed parser error: {exc}", [])
    warnings: list[str] = []
    if not parsed.get("version") and _looks_like_html(body):
        return FeedResult([], "not a feed: HTML page", [])
    if parsed.get("bozo"):
        warnings.append(f"bozo: {parsed.get('bozo_exception')}")
    if not parsed.get("version") and not parsed.get("entries"):
        warnings.append("no feed format recognised and no entries")
    headlines: list[dict] = []
    skipped: list[dict] = []
    for position, entry in enumerate(parsed.get("entries") or [], start=1):
        link = entry.get("link")
        if not link:
            guid = entry.get("id") or ""
            link = guid if guid.startswith(("http://", "https://")) else None
        link = absolute_url(url, link)
        if link and not link.startswith(("http://", "https://")):
            link = None  # e.g. an Atom "tag:" id: not a page anyone can fetch
        title = _plain(entry.get("title"))
        if not link:
            warnings.append(f"entry {position}: no link (title={title!r})")
            skipped.append(
                {"position": position, "title": title, "reason": "feed entry has no link"}
            )
            continue
        headlines.append(
            {
                "source_id": source.id,
                "list_id": list_id,
                "list_kind": "feed",
                "list_url": url,
                "position": position,
                "title": title,
                "url": link,
                "canonical_url": canonicalize_url(link),
                "published_at": _entry_date(entry, source.timezone),
                "byline": _entry_byline(entry),
                "fetched_at": fetched_at,
            }
        )
    return FeedResult(headlines, None, warnings, skipped)
