"""Parse stage: fetched bytes to records.

- :func:`parse_article` -- one article page to one record (title, authors, dates, text).
- :func:`parse_feed` -- an RSS/Atom feed to headlines (:class:`FeedResult`).
- :func:`parse_listing` -- an HTML headline list to headlines (:class:`ListingResult`).
- :func:`parse_sitemap` / :func:`sitemap_children` -- XML sitemaps to headlines / child URLs.
- :func:`parse_date` -- date strings (ISO, RFC 822, epoch, Russian/Kazakh month names).

Every record carries :data:`PARSER_VERSION`. Times are tz-aware; wall-clock values without a
zone are read in the source's IANA zone.

Where things live: ``article/`` (``page``, ``title``, ``byline``, ``dates``, ``body``; its
``__init__`` runs them), ``feed``, ``listing``, ``sitemap``; the values they share:
``dates`` (every date string, one zone table), ``titles`` (title cleaning), ``authors``
(byline names), ``decode`` (bytes to text), ``_tree`` (the lxml tree and the one CSS
selector engine), ``profiles`` (packaged site profiles); the CLI's file readers
``article_file``, ``lists_file``, ``input_file``.
"""

from mediamon.parse.article import parse_article
from mediamon.parse.dates import parse_date
from mediamon.parse.feed import FeedResult, parse_feed
from mediamon.parse.listing import parse_listing
from mediamon.parse.results import ListingResult
from mediamon.parse.sitemap import parse_sitemap, sitemap_children
from mediamon.parse.version import PARSER_VERSION

__all__ = [
    "PARSER_VERSION",
    "FeedResult",
    "ListingResult",
    "parse_article",
    "parse_date",
    "parse_feed",
    "parse_listing",
    "parse_sitemap",
    "sitemap_children",
]
