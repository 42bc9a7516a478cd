"""The feeds a page declares: ``<link rel="alternate" type="application/rss+xml">`` (or
``application/atom+xml``) in its markup, as browsers and feed readers discover them."""

from __future__ import annotations

from mediamon.parse._tree import make_tree
from mediamon.parse.decode import decode_html
from mediamon.text.urls import absolute_url

FEED_TYPES = ("application/rss+xml", "application/atom+xml")


def feed_links(body: bytes, url: str, content_type: str | None = None) -> list[tuple[str, str]]:
    """``(absolute URL, title)`` of each feed the HTML page ``body`` (fetched from ``url``)
    declares with ``<link rel="alternate">`` of an RSS or Atom type, in page order, each URL
    once; ``title`` is '' when the link has none. A page declaring none gives []."""
    root = make_tree(decode_html(body, content_type))
    found: dict[str, str] = {}
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").strip().lower().split(";")[0]
        if "alternate" not in rel or kind not in FEED_TYPES:
            continue
        href = absolute_url(url, link.get("href"))
        if href and href.startswith(("http://", "https://")):
            found.setdefault(href, " ".join((link.get("title") or "").split()))
    return list(found.items())
