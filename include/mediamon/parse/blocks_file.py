"""A saved front or section page to JSON-ready headlines with no registry source: what
``mediamon parse-listing PAGE --url URL`` prints without ``--source``.

The page's site is the URL's host; dates with no zone are read in Asia/Almaty. Output: the
dict of :func:`mediamon.parse.lists_file.parse_listing_file`, each item with its ``block``.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from mediamon.parse.input_file import InputError, fetch_instant, read_input
from mediamon.parse.listing import parse_listing
from mediamon.parse.lists_file import listing_json
from mediamon.text.urls import bare_host
from mediamon.window import DEFAULT_ZONE


def default_source(url: str) -> SimpleNamespace:
    """A source for a page whose outlet is not in the registry: id and name from the URL's
    host (without ``www.``), zone Asia/Almaty, one listing ``page`` with no selectors.

    Raises :class:`InputError` when the URL has no host."""
    host = bare_host(url or "")
    if not host:
        raise InputError(f"--url {url!r} has no host: the page's site decides its story links")
    listing = SimpleNamespace(id="page", url=url, selectors={}, max_pages=1, is_template=False)
    return SimpleNamespace(id=host, name=host, homepage=f"https://{host}/", timezone=DEFAULT_ZONE,
                           hosts=(host, f"www.{host}"), listings=(listing,))  # fmt: skip


def find_headlines_file(path: Path, *, url: str | None, fetched_at: str | None = None) -> dict:
    """Parse a saved page with no selectors (:func:`mediamon.parse.blocks.find_headlines`),
    fetched at ``fetched_at`` (ISO 8601, default now: bare "HH:MM" items are dated from it).

    ``url`` is required (the page's site); raises :class:`InputError` without it or for an
    unreadable file."""
    if not url:
        raise InputError("without --source, give --url: the page's site decides its story links")
    source = default_source(url)
    listing = source.listings[0]
    body = read_input(path, allow_empty=True)
    when = fetch_instant(fetched_at, source.timezone)
    result = parse_listing(body, url, source=source, listing=listing, fetched_at=when)
    return listing_json(result, source=source, listing=listing, url=url, extra=("block",))
