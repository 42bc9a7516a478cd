"""RSS/Atom feeds to headline dicts, with feedparser, never trusting it blindly.

- Encodings: a BOM or an XML-prolog ``encoding`` is left to feedparser (windows-1251 in the
  prolog, UTF-16 with BOM). Bytes with no declaration that are not UTF-8 are detected here
  (:func:`sniff_encoding`: KOI8-R vs windows-1251 by letter case, Latin-1/windows-1252
  otherwise) and handed over as UTF-8, with a warning: feedparser would read them as
  windows-1252 and turn Russian into mojibake without a word.
- A "feed" that is an HTML page is refused with a reason (``refused_reason``), never an empty
  success; an empty or unreadable document loads nothing and says so in ``warnings``. A malformed
  ("bozo") feed keeps what was read and says why (``bozo: <Exception>: <message>``).
- Dates: the raw string is parsed first (:func:`mediamon.parse.dates.feed_date`), because
  feedparser reads unknown zone abbreviations such as "ALMT" as UTC, drops two-digit offsets
  ("+03") and gives up on localized names ("Пн, 25 июн 2018", "Mo, 25 Jun 2018"). An item
  with no zone gets the source's IANA zone and ``published_at_assumed_zone=True`` /
  ``date_flag="zone_assumed"``.
"""

from __future__ import annotations

import calendar
import codecs
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import charset_normalizer
import feedparser
from bs4 import BeautifulSoup

from mediamon.parse import _tree
from mediamon.parse.dates import feed_date
from mediamon.parse.decode import mixed_or_damaged_utf8
from mediamon.records import new_headline
from mediamon.text.storable import storable_text
from mediamon.text.urls import absolute_url


@dataclass
class FeedResult:
    """Result of :func:`parse_feed`.

    ``headlines``: one dict per entry with a link, in feed order. ``refused_reason``: None, or
    why the document was not treated as a feed at all (then ``headlines`` is empty).
    ``warnings``: problems that did not stop parsing (bozo feeds, entries without a link,
    encodings guessed). ``skipped``: entries that could not become headlines, as
    ``{"position", "title", "reason"}`` dicts, so the caller can quarantine them instead of
    losing them. ``feed``: the channel: title, link, language, version, encoding, bozo.
    """

    headlines: list[dict] = field(default_factory=list)
    refused_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    feed: dict = field(default_factory=dict)


_HTML_MARKERS = (b"<html", b"<!doctype html", b"<head", b"<body")
_PROLOG = re.compile(rb"<\?xml[^>]{0,200}?\?>", re.I)
_PROLOG_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.I)
_PROLOG_UTF8 = re.compile(rb"""<\?xml[^>]{0,200}encoding\s*=\s*["']utf-?8["']""", re.I)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
         codecs.BOM_UTF32_BE)  # fmt: skip


_CHAR_REF = re.compile(rb"&#(?:([0-9]{1,8})|[xX]([0-9a-fA-F]{1,8}));")


def _code(ref: re.Match) -> int:
    return int(ref[1]) if ref[1] is not None else int(ref[2], 16)


def surrogate_refs(body: bytes) -> tuple[bytes, set[str], int]:
    """``(body, joined, lone)``: character references to UTF-16 surrogates rewritten before
    feedparser sees them (it refuses the whole document over one). A high surrogate followed
    by a low one (``&#55357;&#56832;``, an emoji written as UTF-16) becomes one reference to
    their character (``joined``: those characters); any other one becomes U+FFFD (``lone``:
    how many)."""
    if b"&#" not in body:
        return body, set(), 0
    refs = [m for m in _CHAR_REF.finditer(body) if 0xD800 <= _code(m) <= 0xDFFF]
    if not refs:
        return body, set(), 0
    out, pos, joined, lone, i = [], 0, set(), 0, 0
    while i < len(refs):
        high, low = refs[i], refs[i + 1] if i + 1 < len(refs) else None
        out.append(body[pos : high.start()])
        if (low is not None and low.start() == high.end() and _code(high) <= 0xDBFF
                and _code(low) >= 0xDC00):  # fmt: skip
            char = 0x10000 + ((_code(high) - 0xD800) << 10) + (_code(low) - 0xDC00)
            out.append(b"&#%d;" % char)
            joined.add(chr(char))
            pos, i = low.end(), i + 2
        else:
            out.append(b"&#65533;")
            pos, i, lone = high.end(), i + 1, lone + 1
    out.append(body[pos:])
    return b"".join(out), joined, lone


_ITEM_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.I)
_ITEM_START = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s>/]", re.I)


@dataclass(frozen=True)
class FeedCut:
    """A feed read up to the tag cap: ``body`` its items that end within the first
    :data:`~mediamon.parse._tree.MAX_TAGS` tags, then the document's closing tags;
    ``unread``: the items left out (counted by their start tags)."""

    body: bytes
    unread: int


def cut_to_tag_cap(body: bytes) -> FeedCut | None:
    """``body`` cut after its last item (``</item>``, ``</entry>``) that ends before its
    :data:`~mediamon.parse._tree.MAX_TAGS`-th ``<``, with the text after the document's last
    item (``</channel></rss>``) appended, so feedparser reads a whole feed of the first
    items. None when the body holds no more than the cap, or no item ends before it (then
    the document is refused, not guessed at)."""
    cap = _tree.MAX_TAGS
    if body.count(b"<") <= cap:
        return None
    at = -1
    for _ in range(cap):
        at = body.find(b"<", at + 1)
    ends = [m.end() for m in _ITEM_END.finditer(body)]
    within = [end for end in ends if end <= at]
    if not within:
        return None
    tail = body[ends[-1] :]
    if tail.count(b"<") > 16:  # not closing tags: leave the document open (feedparser copes)
        tail = b""
    unread = len(_ITEM_START.findall(body, within[-1]))
    return FeedCut(body[: within[-1]] + tail, unread)


def _looks_like_html(body: bytes) -> bool:
    """True when the start of ``body`` has an HTML root, doctype, ``<head>`` or ``<body>``."""
    head = body[:2048].lower()
    return any(marker in head for marker in _HTML_MARKERS)


# charset_normalizer confuses these with each other on short texts; the rule below decides.
_LEFT_TO_HEURISTIC = frozenset(
    {"cp1250", "cp1251", "cp1252", "cp1257", "koi8_r", "koi8_u", "latin_1", "iso8859_1",
     "iso8859_2", "iso8859_5", "iso8859_15", "mac_cyrillic", "mac_latin2", "mac_roman", "cp866",
     "cp850", "cp437", "utf_8", "ascii"}
)  # fmt: skip


def sniff_encoding(body: bytes) -> tuple[str | None, str]:
    """(charset to transcode from, how it was found) for a feed's bytes.

    None when feedparser can be trusted: a BOM, an ``encoding`` in the XML prolog, or bytes
    that are valid UTF-8 (or ASCII). Otherwise the bytes are single-byte text with no
    declaration: runs of high bytes are Cyrillic (KOI8-R when most letters decode lowercase in
    KOI8-R, windows-1251 when they do in windows-1251), isolated high bytes between ASCII
    letters are Latin-1 (read as windows-1252, its superset for printable characters).
    """
    if body.startswith(_BOMS):
        return None, "bom"
    prolog = _PROLOG.search(body[:512])
    if prolog and _PROLOG_ENCODING.search(prolog.group(0)):
        return None, "declared"
    try:
        body.decode("utf-8")
        return None, "utf-8"
    except UnicodeDecodeError:
        pass
    guess = charset_normalizer.from_bytes(body[:65536]).best()
    if guess is not None and guess.encoding not in _LEFT_TO_HEURISTIC:
        return guess.encoding, f"undeclared, detected {guess.encoding}"
    high = [i for i, b in enumerate(body) if b >= 0x80]
    paired = sum(1 for i in high if (i + 1 < len(body) and body[i + 1] >= 0x80)
                 or (i > 0 and body[i - 1] >= 0x80))  # fmt: skip
    if high and paired / len(high) >= 0.5:
        scores = {}
        for charset in ("cp1251", "koi8-r"):
            text = body.decode(charset, errors="replace")
            letters = [c for c in text if "\u0400" <= c <= "\u04ff"]
            scores[charset] = sum(c.islower() for c in letters) / max(1, len(letters))
        best = max(scores, key=scores.get)
        return best, f"undeclared, detected {best}"
    return "cp1252", "undeclared, detected latin-1"


def _transcode(body: bytes, charset: str) -> bytes:
    text = body.decode(charset, errors="replace")
    if charset == "cp1252" and "\ufffd" in text:
        text = body.decode("latin-1")
    return text.encode("utf-8")


def _plain(text: str | None) -> str | None:
    if not text:
        return None
    if "<" in text and ">" in text:
        text = BeautifulSoup(text, "lxml").get_text()
    text = " ".join(text.split())
    return text or None


def _entry_date(entry: Any, tz: str) -> tuple[datetime | None, str | None, str | None, str | None]:
    """(published_at, flag, raw string, note) of an entry: published, else updated, else
    created. A string neither :func:`~mediamon.parse.dates.feed_date` nor feedparser reads
    as a plausible date gives no date, flag ``"unparsed"`` and the note why (refused, never
    guessed: "0000-00-00", "-1000000000", "10000-01-01")."""
    for raw_key, parsed_key in (
        ("published", "published_parsed"),
        ("updated", "updated_parsed"),
        ("created", "created_parsed"),
    ):
        raw = entry.get(raw_key)
        if raw:
            dt, flag = feed_date(raw, tz)
            if dt is not None:
                return dt, flag, raw, None
        parsed = _feedparser_date(entry.get(parsed_key), raw)
        if parsed is not None:
            return parsed, "feedparser_utc", raw, None
        if raw:
            note = f"date refused, none kept: {raw[:60]!r} is no date between 1900 and 2100"
            return None, "unparsed", raw, note
    return None, None, None, None


def _feedparser_date(parsed: Any, raw: str | None) -> datetime | None:
    """feedparser's reading of a date (UTC), when plausible: a year in 1900-2100 that the
    raw string states (feedparser fills gaps: "10000-01-01" reads as 2010-12-01)."""
    if not parsed:
        return None
    year = parsed[0]
    if not 1900 <= year <= 2100 or (raw is not None and str(year) not in raw):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (ValueError, OverflowError, OSError):
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


def _entry_authors(entry: Any) -> list[str]:
    names = []
    for author in entry.get("authors") or []:
        name = _plain(author.get("name") if hasattr(author, "get") else None)
        if name and name not in names:
            names.append(name)
    byline = _entry_byline(entry)
    if byline and not names:
        names.append(byline)
    return names


def _bozo(parsed) -> str:
    exc = parsed.get("bozo_exception")
    return f"bozo: {type(exc).__name__}: {exc}" if exc is not None else "bozo"


def parse_feed(
    body: bytes,
    url: str,
    *,
    source: Any,
    list_id: str,
    fetched_at: datetime,
) -> FeedResult:
    """See :func:`_parse_feed`; every string of the result is valid Unicode free of U+0000
    (repaired and reported in ``warnings``, a headline's in its own)."""
    return _without_nul(
        _parse_feed(body, url, source=source, list_id=list_id, fetched_at=fetched_at)
    )


def _parse_feed(
    body: bytes,
    url: str,
    *,
    source: Any,
    list_id: str,
    fetched_at: datetime,
) -> FeedResult:
    """Parse an RSS 0.9x/1.0/2.0 or Atom document (raw bytes) into headlines.

    Refused (``refused_reason``, no headlines): a document feedparser recognises as no feed
    version whose first 2 KB hold ``<html``, ``<!doctype html``, ``<head`` or ``<body``
    ("not a feed: HTML page"). A document with no feed version and no entries (an empty file)
    loads nothing with the warning "no feed format recognised and no entries" (plus the bozo
    reason), and a feed without entries says "feed has no entries". A malformed ("bozo") feed
    keeps whatever entries were read and adds ``"bozo: <Exception>: <message>"`` to
    ``warnings``. Entries without an http(s) link (after resolving it against ``url``; an
    http(s) ``id``/guid stands in for a missing link) are skipped with a warning.

    Each headline dict has: ``source_id``, ``list_id``, ``list_kind="feed"``, ``list_url``
    (``url``), ``position`` (1-based index of the entry in the feed, so a skipped entry leaves
    a gap), ``title`` (plain text, whitespace collapsed, or None), ``url`` (the entry link made
    absolute against ``url``), ``canonical_url``, ``published_at`` (tz-aware or None, see
    :func:`~mediamon.parse.dates.feed_date`), ``published_raw`` (the string it came from),
    ``date_flag`` (None,
    ``"zone_assumed"``, ``"feedparser_utc"`` or ``"unparsed"``),
    ``published_at_assumed_zone`` (bool), ``byline`` (author name / dc:creator, or None),
    ``authors`` (list of names) and ``fetched_at`` (as given).

    A document with more than :data:`~mediamon.parse._tree.MAX_TAGS` tags (a few seconds of
    feedparser) is read up to that cap (:func:`cut_to_tag_cap`): its first items load, the
    rest is one ``skipped`` entry at the first unread position saying how many were not read
    (and a warning). One whose first item does not end within the cap is refused.

    Never raises for bad input: an exception inside feedparser becomes a refusal.
    """
    warnings: list[str] = []
    cut = cut_to_tag_cap(body)
    if cut is not None:
        body = cut.body
    else:
        oversized = _tree.too_many_tags(body)
        if oversized:
            return FeedResult([], f"not parsed: {oversized}", [])
    body, joined, lone = surrogate_refs(body)
    if joined:
        warnings.append(f"character references to surrogate pairs joined: {len(joined)}")
    if lone:
        warnings.append(f"character references to lone surrogates replaced by U+FFFD: {lone}")
    charset, how = sniff_encoding(body)
    data = body
    headers = None
    utf8_or_unsaid = charset or (how == "declared" and _PROLOG_UTF8.search(body[:512]))
    damaged = mixed_or_damaged_utf8(body, None) if utf8_or_unsaid else None
    if damaged is not None:  # mostly UTF-8: the bad bytes alone are repaired, and said so
        text, charset, warning = damaged
        data = text.encode("utf-8")
        headers = {"content-type": "application/xml; charset=utf-8"}
        warnings.append(f"encoding: {warning}")
    elif charset:
        data = _transcode(body, charset)
        headers = {"content-type": "application/xml; charset=utf-8"}
        warnings.append(f"encoding: {how}")
    try:
        parsed = (
            feedparser.parse(data, response_headers=headers)
            if headers
            else (feedparser.parse(data))
        )
    except Exception as exc:  # feedparser is robust, but a crash must not stop the run
        return FeedResult([], f"feed parser error: {type(exc).__name__}: {exc}", [])
    channel = parsed.get("feed") or {}
    info = {
        "title": _plain(channel.get("title")),
        "link": channel.get("link"),
        "language": channel.get("language"),
        "version": parsed.get("version") or None,
        "encoding": charset or parsed.get("encoding"),
        "encoding_source": how,
        "bozo": bool(parsed.get("bozo")),
    }
    if not parsed.get("version") and _looks_like_html(body):
        return FeedResult([], "not a feed: HTML page", warnings, [], info)
    if parsed.get("bozo"):
        warnings.append(_bozo(parsed))
    if not parsed.get("version") and not parsed.get("entries"):
        # not refused (yet): an empty or unreadable document loads nothing and says why
        warnings.append("no feed format recognised and no entries")
    elif not parsed.get("entries"):
        warnings.append("feed has no entries")
    tz = source.timezone
    headlines: list[dict] = []
    skipped: list[dict] = []
    for position, entry in enumerate(parsed.get("entries") or [], start=1):
        link = entry.get("link")
        if not link:
            guid = entry.get("id") or ""
            link = guid if guid.startswith(("http://", "https://")) else None
        link = absolute_url(url, link.strip() if link else link)
        if link and not link.startswith(("http://", "https://")):
            link = None  # e.g. an Atom "tag:" id: not a page anyone can fetch
        title = _plain(entry.get("title"))
        if not link:
            warnings.append(f"entry {position}: no link (title={title!r})")
            skipped.append(
                {"position": position, "title": title, "reason": "feed entry has no link"}
            )
            continue
        published_at, flag, raw, date_note = _entry_date(entry, tz)
        notes = [date_note] if date_note else []
        if flag == "unparsed":
            warnings.append(f"entry {position}: unparsed date {raw[:60]!r}")
        byline = _entry_byline(entry)
        text = f"{title or ''} {byline or ''}"
        if joined and any(c in text for c in joined):
            notes.append("character references to a surrogate pair joined into its character")
        if lone and "\ufffd" in text:
            notes.append("character reference to a lone surrogate replaced by U+FFFD")
        if damaged is not None and "\ufffd" in text:
            notes.append(f"text repaired: {damaged[2]}")
        headlines.append(
            new_headline(
                source_id=source.id,
                list_id=list_id,
                list_kind="feed",
                list_url=url,
                position=position,
                title=title,
                url=link,
                published_at=published_at,
                date_flag=flag,
                byline=byline,
                fetched_at=fetched_at,
                published_raw=raw,
                authors=_entry_authors(entry),
                warnings=notes,
            )  # fmt: skip
        )
    if cut is not None:
        read = len(parsed.get("entries") or [])
        reason = (f"feed cut at {_tree.MAX_TAGS} tags: items after the first {read} not read "
                  f"({cut.unread} more)")  # fmt: skip
        warnings.append(reason)
        skipped.append({"position": read + 1, "title": None, "reason": reason})
    return FeedResult(headlines, None, warnings, skipped, info)


def _without_nul(result: FeedResult) -> FeedResult:
    """``result`` with every string storable (:func:`mediamon.text.storable.storable_text`:
    U+0000 removed, a space where it joined two words; surrogates repaired), each repaired
    headline noting it in its ``warnings`` and the feed in its own."""
    headlines, repaired = [], {}
    for headline in result.headlines:
        headline, notes = storable_text(headline)
        if notes:
            headline = {**headline, "warnings": [*headline.get("warnings", []), *notes]}
            for note in notes:
                repaired[note.split(":")[0]] = repaired.get(note.split(":")[0], 0) + 1
        headlines.append(headline)
    rest = (result.refused_reason, result.warnings, result.skipped, result.feed)
    (reason, warnings, skipped, feed), notes = storable_text(rest)
    notes += [f"{what} in {n} headline(s)" for what, n in repaired.items()]
    return FeedResult(headlines, reason, [*warnings, *notes], skipped, feed)
