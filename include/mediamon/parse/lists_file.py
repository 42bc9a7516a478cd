"""Saved feeds and listing pages to JSON-ready dicts: what ``mediamon parse-feed`` and
``mediamon parse-listing`` print.

Output: ``{"feed": {...}, "items": [...], "warnings": [...], "skipped": [...],
"refused_reason": None | str}``. Each item has ``title``, ``title_normalized``, ``url``,
``canonical_url``, ``published_at`` (ISO 8601 with offset, or null), ``date_flag``,
``published_at_assumed_zone``, ``authors`` (list), ``byline``, ``position``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

from mediamon.config import load_sources
from mediamon.parse.feed import parse_feed
from mediamon.parse.input_file import InputError, fetch_instant, read_input
from mediamon.parse.listing import parse_listing
from mediamon.text.normalize import normalize_title
from mediamon.window import DEFAULT_ZONE

ITEM_KEYS = (
    "position", "title", "title_normalized", "url", "canonical_url", "published_at",
    "published_raw", "date_flag", "published_at_assumed_zone", "authors", "byline",
)  # fmt: skip


def _source(source_id: str | None):
    if source_id is None:
        return None
    sources = load_sources()
    if source_id not in sources:
        raise InputError(f"unknown source {source_id!r} (registry has {sorted(sources)})")
    return sources[source_id]


def _json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def json_items(headlines: list[dict], site_names: list[str]) -> list[dict]:
    out = []
    for h in headlines:
        item = {k: h.get(k) for k in ITEM_KEYS}
        item["title_normalized"] = normalize_title(h.get("title"), site_names)
        if item["authors"] is None:
            item["authors"] = [h["byline"]] if h.get("byline") else []
        out.append({k: _json(v) for k, v in item.items()})
    return out


def parse_feed_file(
    path: Path, *, url: str | None = None, source_id: str | None = None,
    fetched_at: str | None = None,
) -> dict:  # fmt: skip
    """Parse a saved RSS/Atom file fetched at ``fetched_at`` (ISO 8601, default now).
    Without a source, dates with no zone are read in Asia/Almaty (and flagged)."""
    body = read_input(path, allow_empty=True)
    source = _source(source_id) or SimpleNamespace(id="cli", name="", timezone=DEFAULT_ZONE,
                                                   hosts=())  # fmt: skip
    url = url or Path(path).resolve().as_uri().replace("file://", "https://file.invalid", 1)
    when = fetch_instant(fetched_at, source.timezone)
    result = parse_feed(body, url, source=source, list_id="feed", fetched_at=when)
    names = [source.name, *source.hosts]
    return {
        "feed": {**result.feed, "url": url, "source": source.id},
        "items": json_items(result.headlines, names),
        "warnings": result.warnings,
        "skipped": result.skipped,
        "refused_reason": result.refused_reason,
    }


def parse_listing_file(
    path: Path, *, source_id: str, url: str | None = None, list_id: str | None = None,
    fetched_at: str | None = None,
) -> dict:  # fmt: skip
    """Parse a saved HTML listing page with a registry listing's selectors: ``list_id``, else
    the listing whose URL is ``url``, else the source's first listing; fetched at
    ``fetched_at`` (ISO 8601, default now: bare "HH:MM" items are dated from it)."""
    source = _source(source_id)
    if not source.listings:
        raise InputError(f"source {source_id!r} has no listings")
    listing = None
    if list_id:
        listing = next((x for x in source.listings if x.id == list_id), None)
        if listing is None:
            ids = [x.id for x in source.listings]
            raise InputError(f"source {source_id!r} has no listing {list_id!r} (has {ids})")
    elif url:
        listing = next((x for x in source.listings if x.url == url), None)
    listing = listing or source.listings[0]
    body = read_input(path, allow_empty=True)
    url = url or listing.url
    when = fetch_instant(fetched_at, source.timezone)
    result = parse_listing(body, url, source=source, listing=listing, fetched_at=when)
    return listing_json(result, source=source, listing=listing, url=url)


def listing_json(result, *, source, listing, url: str, extra: tuple[str, ...] = ()) -> dict:
    """What ``parse-listing`` prints for a :class:`~mediamon.parse.results.ListingResult`:
    the list, its items as :func:`json_items` (plus each headline's ``extra`` keys), the
    warnings and the skipped items."""
    items = json_items(result.headlines, [source.name, *source.hosts])
    for item, headline in zip(items, result.headlines, strict=True):
        item.update({key: headline.get(key) for key in extra})
    return {
        "feed": {
            "kind": "listing",
            "list_id": listing.id,
            "url": url,
            "source": source.id,
            "next_page_url": result.next_page_url,
        },  # fmt: skip
        "items": items,
        "warnings": result.warnings,
        "skipped": result.skipped,
        "refused_reason": None,
    }
