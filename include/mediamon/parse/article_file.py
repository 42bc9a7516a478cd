"""One saved page through :func:`parse_article`, as JSON: ``mediamon parse-article PATH``.

Black-box use of the extractor on a file, without the pipeline::

    mediamon parse-article page.html --url https://www.nur.kz/politics/... \\
        --fetched-at 2024-09-08T14:00:00+05:00 --source nur --content-type "text/html"

The source (IANA zone, languages, ``article:`` selectors) is the registry entry named by
``--source``, else the registry entry owning the URL's host, else an ad-hoc source for the
URL's host in Asia/Almaty with the packaged site profile of that host, if any.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from mediamon.config import Source, load_sources
from mediamon.parse.article import parse_article
from mediamon.parse.dates import local_day
from mediamon.parse.input_file import InputError, read_input
from mediamon.window import DEFAULT_ZONE

_CANONICAL = re.compile(
    rb"""<link[^>]{0,200}rel=["']?canonical["']?[^>]{0,200}>|<meta[^>]{0,80}og:url[^>]{0,300}>""",
    re.I,
)
_HREF = re.compile(rb"""(?:href|content)\s*=\s*["'](https?://[^"']+)["']""", re.I)


def _page_url(data: bytes) -> str | None:
    for tag in _CANONICAL.findall(data[:200_000]):
        m = _HREF.search(tag)
        if m:
            return m[1].decode("utf-8", "replace")
    return None


def _source(source_id: str | None, url: str) -> Any:
    if source_id:
        try:
            sources = load_sources()
        except Exception as exc:  # a broken registry is an input error here
            raise InputError(f"registry: {exc}") from exc
        if source_id not in sources:
            raise InputError(f"--source {source_id}: not in the registry ({', '.join(sources)})")
        return sources[source_id]
    try:
        for source in load_sources().values():
            if source.owns(url):
                return source
    except Exception:  # no usable registry: an ad-hoc source will do
        pass
    host = (urlsplit(url).hostname or "").lower()
    bare = host.removeprefix("www.")
    sid = re.sub(r"[^a-z0-9]+", "_", bare).strip("_") or "file"
    if not sid[0].isalpha():
        sid = f"s_{sid}"
    return Source(
        id=sid,
        name=bare or "file",
        homepage=f"https://{host}/" if host else "https://localhost/",
        languages=("ru", "kk"),
        timezone=DEFAULT_ZONE,
        first_year=1990,
        hosts=(bare, f"www.{bare}") if bare else (),
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def parse_article_file(
    path: str | Path,
    *,
    url: str | None = None,
    fetched_at: str | None = None,
    source_id: str | None = None,
    content_type: str | None = None,
) -> dict:
    """Parse the page at ``path`` and return a JSON-ready dict: every field of
    :func:`parse_article` (instants as ISO 8601 with offset, or null) plus
    ``published_local_date`` (the day in the source's zone), ``fetched_at`` and
    ``timezone``. Without ``url`` the page's ``<link rel=canonical>`` / ``og:url`` is used,
    else a ``file://`` URL; without ``fetched_at`` the file's modification time (both say
    so in ``warnings``). Raises :class:`InputError` for unreadable input."""
    path = Path(path)
    data = read_input(path)
    notes: list[str] = []
    if not url:
        url = _page_url(data)
        if url:
            notes.append("url not given: taken from the page's canonical link")
        else:
            url = path.resolve().as_uri()
            notes.append("url not given and the page names none: file URL used")
    if fetched_at:
        try:
            when = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(f"--fetched-at {fetched_at!r}: not an ISO 8601 instant") from exc
    else:
        when = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        notes.append("fetched_at not given: the file's modification time is used")
    source = _source(source_id, url)
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(source.timezone))
    record = parse_article(data, url, source=source, fetched_at=when, content_type=content_type)
    published = record.get("published_at")
    out = {k: _iso(v) for k, v in record.items()}
    out["published_local_date"] = (
        local_day(published, source.timezone).isoformat() if published else None
    )
    out["fetched_at"] = when.isoformat()
    out["timezone"] = source.timezone
    out["warnings"] = notes + list(record.get("warnings") or [])
    return out
