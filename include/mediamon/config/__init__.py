"""Settings and the sources registry.

Settings come from environment variables (all optional):

- ``MEDIAMON_DATABASE_URL``: the warehouse, a ``postgresql://`` URI. Unset: an embedded
  PostgreSQL server is started under ``$MEDIAMON_DATA_DIR/pg`` (see :mod:`mediamon.load.db`).
- ``MEDIAMON_DATA_DIR``: where local state lives (embedded database, raw WARC store, batches).
  Default ``var/`` under the current working directory.
- ``MEDIAMON_SOURCES``: path of the sources registry (YAML). Default: the packaged
  ``sources.yaml`` (live outlets).
- ``MEDIAMON_REPLAY``: base URL of a replay server (``http://127.0.0.1:PORT``). When set, every
  HTTP request goes there instead of the internet (see :mod:`mediamon.fetch.replay`).
- ``MEDIAMON_CONTACT``: the contact address put in the User-Agent (default
  :data:`DEFAULT_CONTACT`), so a site operator can reach whoever runs the crawler.
- ``MEDIAMON_ALLOWED_HOSTS``: comma-separated host names or IP addresses that the SSRF guard
  lets through although they resolve to loopback/private addresses (for every source; a
  source can allow its own with ``allowed_hosts``): ``host`` on ports 80 and 443 only,
  ``host:port`` on that port only.
- ``MEDIAMON_MIN_DELAY``: seconds between two requests to one host (live mode default 1.0;
  replay mode default 0).
- ``MEDIAMON_WATCHLIST``: path of the watchlist (YAML): the terms whose mentions are counted
  and alerted. Default: the packaged ``watchlist.yaml`` (:mod:`mediamon.config.watchlist`).

The registry (``sources.yaml``) is validated on load against the schema of
:mod:`mediamon.config.schema`: unknown keys, wrong types, unknown zones and CSS selectors
that do not compile are errors, all reported at once by :class:`RegistryError`, one line
each naming the file, the source and the field. Per source: ``id``, ``name``, ``homepage``,
``languages``, ``timezone``, ``first_year``, ``feeds``/``listings``/``sitemaps`` (each with an
``id``, a ``url`` and an ``evidence`` string; a feed may instead give ``urls:``, candidate
addresses in order: the crawl uses the first that answers with a valid feed, see
:mod:`mediamon.fetch.feeds`),
``article`` selectors, ``extra_hosts``, ``allowed_hosts``, ``syndication_hosts``,
``max_articles``, ``conditional_get``, ``fail_on``, ``severity``, ``evidence``, ``checked``
(``never`` or a date) and ``date_format``/``byline_format`` (documentation). A listing without
``selectors`` is allowed. Its ``severity`` tables use the vocabulary defined here
(:data:`SEVERITIES`, :data:`ROW_PREFIXES`, :func:`validate_severity_table`);
:mod:`mediamon.quality.severity` resolves and applies them.

The DAG ids (:data:`DAILY_DAG_ID`, :data:`REPARSE_DAG_ID`, :data:`STORIES_DAG_ID`) are named
here once, for the DAG files, the run keys, the dev tools and the monitoring page.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import yaml

from mediamon.config.vocabulary import (  # noqa: F401 (the registry's vocabulary, re-exported)
    ARTICLE_SELECTOR_KEYS,
    ID_PATTERN,
    LISTING_SELECTOR_KEYS,
    ROW_PREFIXES,
    SEVERITIES,
    validate_severity_table,
)

PACKAGED_REGISTRY = Path(__file__).resolve().parent.parent / "sources.yaml"
# libyaml's loader when PyYAML has it: 15 times faster on the packaged registry (the DAG
# files load it at every parse)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# first line of a registry copied into a built capture, followed by the path it came from
COPY_MARKER = "# mediamon: registry copied from "
DEFAULT_CONTACT = "mediamon@example.org"

DAILY_DAG_ID = "mediamon_daily"
REPARSE_DAG_ID = "mediamon_reparse"
STORIES_DAG_ID = "mediamon_stories"


class RegistryError(ValueError):
    """The sources registry is malformed. ``str()``: one line per problem, each naming the
    file, the source and the field; ``errors``: those lines as a list."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or [message]


@dataclass(frozen=True)
class Candidate:
    """One more address of a feed, tried after the ones before it; ``evidence``: where the
    URL was seen."""

    url: str
    evidence: str = ""


@dataclass(frozen=True)
class Feed:
    """One RSS/Atom feed of a source.

    ``url`` is the first candidate address; ``fallbacks`` are the registry's further
    candidates (``urls:``), in order. The crawl reads the first that answers with a valid
    feed (the one that worked last time first), then the homepage's ``<link
    rel="alternate">``, then its headline lists (:mod:`mediamon.fetch.feeds`). ``evidence``:
    where ``url`` was seen.
    """

    id: str
    url: str
    evidence: str = field(default="", compare=False)
    fallbacks: tuple[Candidate, ...] = field(default=(), compare=False)

    @property
    def candidates(self) -> tuple[str, ...]:
        """Every candidate URL, in the order to try them (``url`` first)."""
        return (self.url, *(c.url for c in self.fallbacks))


@dataclass(frozen=True)
class Listing:
    """One HTML headline list (ticker, section page) of a source.

    ``selectors`` maps item/title/link (required) and byline/date/next_page/position
    (optional) to CSS selectors; ``max_pages`` bounds how many pages are followed through
    ``next_page`` (the crawl also stops once every dated item of a page is older than the run's
    window). A ``url`` holding ``{date:FORMAT}`` (strftime, e.g.
    ``https://x.kz/archive/{date:%Y/%m/%d}/``) is a date-archive template: the crawl fetches
    it once per local day of the run's window. ``selectors`` is empty when the registry gives
    none: the page's headline blocks are then found without them. ``evidence``: where the URL
    was seen.
    """

    id: str
    url: str
    selectors: dict[str, str]
    max_pages: int = 1
    evidence: str = field(default="", compare=False)

    @property
    def is_template(self) -> bool:
        return "{date" in self.url


@dataclass(frozen=True)
class Sitemap:
    """One sitemap (or news sitemap) of a source; its ``<loc>`` URLs are article candidates.
    ``evidence``: where the URL was seen."""

    id: str
    url: str
    evidence: str = field(default="", compare=False)


@dataclass(frozen=True)
class Source:
    """One outlet.

    ``timezone`` is an IANA zone name: the outlet's local day is computed in it (never a fixed
    offset: Kazakhstan moved from UTC+6 to UTC+5 on 2024-03-01). ``hosts`` are the host names
    whose pages belong to the source (the homepage's host and its ``www.`` twin by default).
    ``allowed_hosts``: hosts the SSRF guard lets through although they resolve to a loopback or
    private address (a local test server): ``host`` on ports 80 and 443 only, ``host:port`` on
    that port only. ``conditional_get``: send ``If-None-Match`` /
    ``If-Modified-Since`` from the previous capture (off for outlets whose validators lie).
    ``syndication_hosts``: other hosts whose links may appear on the source's lists and pages
    (a partner agency); ``"*"`` allows any host (an aggregator, or saved feeds without their
    site). Links elsewhere are quarantined by the quality checks.
    ``fail_on``: batch-level checks (names or prefixes, e.g. ``drift.``,
    ``batch.reconciliation``) whose failure fails the source's load task and the run; by
    default they only warn. The data lands either way. ``severity``: check name or prefix →
    ``info`` / ``warn`` / ``quarantine`` / ``fail``, over the defaults of
    :mod:`mediamon.quality.severity` (``fail_on`` is shorthand for ``fail``).
    ``evidence``: where the outlet's facts were seen; ``checked``: the day a live check last
    passed (None: never). ``date_format``/``byline_format``: how its pages print dates and
    bylines, as seen (documentation, not read by the parsers).
    """

    id: str
    name: str
    homepage: str
    languages: tuple[str, ...]
    timezone: str
    first_year: int
    feeds: tuple[Feed, ...] = ()
    listings: tuple[Listing, ...] = ()
    sitemaps: tuple[Sitemap, ...] = ()
    article: dict[str, str] | None = None
    hosts: tuple[str, ...] = field(default=())
    max_articles: int = 200
    allowed_hosts: tuple[str, ...] = ()
    conditional_get: bool = True
    syndication_hosts: tuple[str, ...] = ()
    fail_on: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    evidence: str = ""
    checked: date | None = None
    date_format: str | None = None
    byline_format: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def owns(self, url: str) -> bool:
        """True when ``url``'s host is one of the source's hosts."""
        return (urlsplit(url).hostname or "") in self.hosts


def data_dir() -> Path:
    """The folder for local state (``MEDIAMON_DATA_DIR``, default ``./var``), created."""
    path = Path(os.environ.get("MEDIAMON_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def registry_path() -> Path:
    """Path of the sources registry in force (``MEDIAMON_SOURCES`` or the packaged one)."""
    return Path(os.environ.get("MEDIAMON_SOURCES") or PACKAGED_REGISTRY)


def replay_url() -> str | None:
    """The replay server's base URL when requests must go to it, else None."""
    return os.environ.get("MEDIAMON_REPLAY") or None


def contact() -> str:
    """The contact address for the User-Agent (``MEDIAMON_CONTACT``)."""
    return os.environ.get("MEDIAMON_CONTACT") or DEFAULT_CONTACT


def allowed_hosts() -> tuple[str, ...]:
    """Hosts allowed past the SSRF guard for every source (``MEDIAMON_ALLOWED_HOSTS``)."""
    raw = os.environ.get("MEDIAMON_ALLOWED_HOSTS") or ""
    return tuple(h.strip().lower() for h in raw.split(",") if h.strip())


def min_delay(replaying: bool) -> float:
    """Seconds between two requests to one host: ``MEDIAMON_MIN_DELAY``, else 1.0 live and 0
    when replaying a capture."""
    raw = os.environ.get("MEDIAMON_MIN_DELAY")
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
    return 0.0 if replaying else 1.0


def load_sources(path: Path | str | None = None) -> dict[str, Source]:
    """Read and validate a registry file (default :func:`registry_path`); returns sources by
    id, in file order.

    Raises :class:`RegistryError` listing every problem at once, one line each, naming the
    file, the source and the field (see :mod:`mediamon.config.schema`): unreadable YAML,
    unknown keys, missing fields, bad ids, unknown zones, relative URLs, a string where a list
    is expected, selectors that are not valid CSS, duplicate ids. A registry copied into a
    capture by ``mediamon run``/``up``/``backfill`` names the file it was copied from.
    """
    from mediamon.config.schema import validate_registry  # pydantic: only when loading

    path = Path(path) if path else registry_path()
    try:
        text = path.read_text(encoding="utf-8")
        doc = yaml.load(text, Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())
        raise RegistryError(f"{path}: cannot read registry: {reason}") from exc
    valid, errors = validate_registry(doc, str(registry_origin(path, text)))
    if errors:
        raise RegistryError("\n".join(errors), errors)
    return {model.id: _source(model) for _, model in valid}


def registry_origin(path: Path, text: str | None = None) -> Path:
    """The file a registry was copied from (its first line :data:`COPY_MARKER` + path), else
    ``path`` itself: the file to name in messages, the one a user edits."""
    try:
        first = (text if text is not None else path.read_text(encoding="utf-8")).split("\n", 1)[0]
    except (OSError, UnicodeDecodeError):
        return path
    return Path(first.removeprefix(COPY_MARKER)) if first.startswith(COPY_MARKER) else path


def select_sources(only: Iterable[str] | None = None) -> list[str]:
    """Ids of the registry in force, in file order, restricted to ``only`` when given.

    Raises :class:`RegistryError` for a malformed registry, KeyError naming unknown ids,
    ValueError when the registry lists no source.
    """
    sources = list(load_sources())
    if not sources:
        raise ValueError("the sources registry lists no source: nothing to run")
    only = list(only or [])
    unknown = sorted(set(only) - set(sources))
    if unknown:
        raise KeyError(f"unknown sources {unknown}; the registry has {sources}")
    return [s for s in sources if not only or s in only]


def _source(model) -> Source:
    """The runtime :class:`Source` of a validated ``schema.SourceModel``."""
    bare = (urlsplit(model.homepage).hostname or "").removeprefix("www.")
    feeds = []
    for feed in model.feeds or ():
        first, *rest = feed.urls or [Candidate(feed.url, feed.evidence)]
        candidates = tuple(Candidate(c.url, c.evidence) for c in rest)
        feeds.append(Feed(feed.id, first.url, first.evidence, candidates))
    return Source(
        id=model.id,
        name=model.name or model.id,
        homepage=model.homepage,
        languages=tuple(model.languages),
        timezone=model.timezone,
        first_year=model.first_year,
        feeds=tuple(feeds),
        listings=tuple(
            Listing(x.id, x.url, dict(x.selectors or {}), x.max_pages, x.evidence)
            for x in model.listings or ()
        ),
        sitemaps=tuple(Sitemap(x.id, x.url, x.evidence) for x in model.sitemaps or ()),
        article=dict(model.article) if model.article else None,
        hosts=tuple(dict.fromkeys([bare, f"www.{bare}", *model.extra_hosts])),
        max_articles=model.max_articles,
        allowed_hosts=tuple(model.allowed_hosts),
        conditional_get=model.conditional_get,
        syndication_hosts=tuple(model.syndication_hosts),
        fail_on=tuple(model.fail_on),
        severity=dict(model.severity),
        evidence=model.evidence,
        checked=None if model.checked == "never" else model.checked,
        date_format=model.date_format,
        byline_format=model.byline_format,
    )
