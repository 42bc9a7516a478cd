"""XML sitemaps (``urlset``, Google News extension) and sitemap indexes."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from lxml import etree

from mediamon.inflate import InflateError, inflate
from mediamon.parse.dates import parse_date, zone_flag
from mediamon.records import Headline, new_headline

log = logging.getLogger(__name__)


def _root(body: bytes) -> etree._Element | None:
    if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz: at most the decoded-size cap (64 MiB)
        try:
            body = inflate(body, "gzip")
        except InflateError as exc:
            log.warning("gzipped sitemap not read: %s", exc)
            return None
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c.tag) == name]


def _text(el: etree._Element, *path: str) -> str | None:
    node: etree._Element | None = el
    for name in path:
        found = _children(node, name) if node is not None else []
        node = found[0] if found else None
    if node is None or node.text is None:
        return None
    return " ".join(node.text.split()) or None


def sitemap_children(body: bytes) -> list[str]:
    """URLs of the child sitemaps listed by a ``<sitemapindex>`` (``sitemap/loc``), in order.

    Namespaces are matched by local name, so a missing or odd namespace is tolerated; a
    gzip-compressed body is decompressed (at most :func:`mediamon.inflate.max_decoded_bytes`:
    past it, or broken, it is unreadable). Returns [] for a ``urlset`` or unreadable XML.
    """
    root = _root(body)
    if root is None or _local(root.tag) != "sitemapindex":
        return []
    return [loc for s in _children(root, "sitemap") if (loc := _text(s, "loc"))]


def parse_sitemap(
    body: bytes,
    url: str,
    *,
    source: Any,
    list_id: str,
    fetched_at: datetime,
) -> list[Headline]:
    """Headline dicts from a ``<urlset>`` sitemap, one per ``url/loc``, in document order.

    Keys are those of the feed and listing headlines: ``source_id``, ``list_id``,
    ``list_kind="sitemap"``, ``list_url``, ``position`` (1-based), ``title`` (``news:title``
    or None), ``url`` (``loc``), ``canonical_url``, ``published_at`` (tz-aware, from
    ``news:publication_date`` parsed in ``source.timezone``, else None), ``byline`` (always
    None), ``fetched_at``; plus ``lastmod`` (tz-aware or None), the sitemap's last
    modification time, which is not a publication time and is kept apart for that reason.

    A ``<sitemapindex>`` or unreadable XML gives [] (see :func:`sitemap_children`). Never
    raises for bad input.
    """
    root = _root(body)
    if root is None or _local(root.tag) != "urlset":
        return []
    headlines: list[dict] = []
    for position, node in enumerate(_children(root, "url"), start=1):
        loc = _text(node, "loc")
        if not loc:
            continue
        published = _text(node, "news", "publication_date")
        lastmod = _text(node, "lastmod")
        published_at = parse_date(published, tz=source.timezone) if published else None
        flag = zone_flag(published, published_at)
        headlines.append(
            new_headline(
                source_id=source.id,
                list_id=list_id,
                list_kind="sitemap",
                list_url=url,
                position=position,
                title=_text(node, "news", "title"),
                url=loc,
                published_at=published_at,
                date_flag=flag,
                byline=None,
                fetched_at=fetched_at,
                lastmod=parse_date(lastmod, tz=source.timezone) if lastmod else None,
            )  # fmt: skip
        )
    return headlines
