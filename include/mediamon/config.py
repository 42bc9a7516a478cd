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

The registry is validated on load; :class:`RegistryError` names the file, the source and the
field that is wrong. Its ``severity`` tables use the vocabulary defined here
(:data:`SEVERITIES`, :data:`ROW_PREFIXES`, :func:`validate_severity_table`);
:mod:`mediamon.quality.severity` resolves and applies them.

The DAG ids (:data:`DAILY_DAG_ID`, :data:`REPARSE_DAG_ID`, :data:`STORIES_DAG_ID`) are named
here once, for the DAG files, the run keys, the dev tools and the monitoring page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

PACKAGED_REGISTRY = Path(__file__).with_name("sources.yaml")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LISTING_SELECTOR_KEYS = {"item", "title", "link", "byline", "date", "next_page", "position"}
DEFAULT_CONTACT = "mediamon@example.org"
ARTICLE_SELECTOR_KEYS = {"title", "byline", "date", "body", "section"}

DAILY_DAG_ID = "mediamon_daily"
REPARSE_DAG_ID = "mediamon_reparse"
STORIES_DAG_ID = "mediamon_stories"

# what a failing check does, from mild to strict (see mediamon.quality.severity)
SEVERITIES = ("info", "warn", "quarantine", "fail")
# checks whose names start so judge single rows (they can quarantine); the others judge a batch
ROW_PREFIXES = ("article.", "headline.")


class RegistryError(ValueError):
    """The sources registry is malformed; the message says where and why."""


@dataclass(frozen=True)
class Feed:
    """One RSS/Atom feed of a source."""

    id: str
    url: str


@dataclass(frozen=True)
class Listing:
    """One HTML headline list (ticker, section page) of a source.

    ``selectors`` maps item/title/link (required) and byline/date/next_page/position
    (optional) to CSS selectors; ``max_pages`` bounds how many pages are followed through
    ``next_page`` (the crawl also stops once every dated item of a page is older than the run's
    window). A ``url`` holding ``{date:FORMAT}`` (strftime, e.g.
    ``https://x.kz/archive/{date:%Y/%m/%d}/``) is a date-archive template: the crawl fetches
    it once per local day of the run's window.
    """

    id: str
    url: str
    selectors: dict[str, str]
    max_pages: int = 1

    @property
    def is_template(self) -> bool:
        return "{date" in self.url


@dataclass(frozen=True)
class Sitemap:
    """One sitemap (or news sitemap) of a source; its ``<loc>`` URLs are article candidates."""

    id: str
    url: str


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
    """Read and validate a registry file; returns sources by id, in file order.

    Raises :class:`RegistryError` on any problem (missing field, bad id, unknown zone,
    duplicate id, relative URL, unknown selector key).
    """
    path = Path(path) if path else registry_path()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: cannot read registry: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise RegistryError(f"{path}: expected a mapping with a 'sources' list")
    sources: dict[str, Source] = {}
    for index, raw in enumerate(doc["sources"]):
        where = f"{path}: sources[{index}]"
        source = _source(raw, where)
        if source.id in sources:
            raise RegistryError(f"{where}: duplicate source id {source.id!r}")
        sources[source.id] = source
    return sources


def select_sources(only: Iterable[str] | None = None) -> list[str]:
    """Ids of the registry in force, in file order, restricted to ``only`` when given.

    Raises KeyError naming unknown ids, ValueError when the registry lists no source.
    """
    sources = list(load_sources())
    if not sources:
        raise ValueError("the sources registry lists no source: nothing to run")
    only = list(only or [])
    unknown = sorted(set(only) - set(sources))
    if unknown:
        raise KeyError(f"unknown sources {unknown}; the registry has {sources}")
    return [s for s in sources if not only or s in only]


def _source(raw: object, where: str) -> Source:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: expected a mapping")
    sid = _required(raw, "id", where)
    where = f"{where} ({sid})"
    if not ID_PATTERN.match(sid):
        raise RegistryError(f"{where}: id must match {ID_PATTERN.pattern}")
    homepage = _url(_required(raw, "homepage", where), f"{where}.homepage")
    timezone = _required(raw, "timezone", where)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RegistryError(f"{where}: unknown IANA time zone {timezone!r}") from exc
    languages = raw.get("languages") or []
    if not languages or not all(isinstance(x, str) and len(x) == 2 for x in languages):
        raise RegistryError(f"{where}: languages must be a non-empty list of ISO 639-1 codes")
    first_year = raw.get("first_year", 1990)
    if not isinstance(first_year, int) or not 1800 < first_year < 2100:
        raise RegistryError(f"{where}: first_year must be a year")
    host = urlsplit(homepage).hostname or ""
    bare = host.removeprefix("www.")
    hosts = tuple(dict.fromkeys([bare, f"www.{bare}", *raw.get("extra_hosts", [])]))
    article = raw.get("article")
    if article is not None:
        _selectors(article, ARTICLE_SELECTOR_KEYS, set(), f"{where}.article")
    source = Source(
        id=sid,
        name=raw.get("name") or sid,
        homepage=homepage,
        languages=tuple(languages),
        timezone=timezone,
        first_year=first_year,
        feeds=tuple(
            Feed(
                id=(fid := _list_id(f, where)),
                url=_url(_required(f, "url", where), f"{where}.feeds[{fid}]"),
            )
            for f in raw.get("feeds") or []
        ),
        listings=tuple(_listing(x, where) for x in raw.get("listings") or []),
        sitemaps=tuple(
            Sitemap(
                id=(mid := _list_id(m, where)),
                url=_url(_required(m, "url", where), f"{where}.sitemaps[{mid}]"),
            )
            for m in raw.get("sitemaps") or []
        ),
        article=dict(article) if article else None,
        hosts=hosts,
        max_articles=_max_articles(raw.get("max_articles", 200), where),
        allowed_hosts=_host_list(raw.get("allowed_hosts"), f"{where}.allowed_hosts"),
        conditional_get=_bool(raw.get("conditional_get", True), f"{where}.conditional_get"),
        syndication_hosts=_host_list(raw.get("syndication_hosts"), f"{where}.syndication_hosts"),
        fail_on=_strings(raw.get("fail_on"), f"{where}.fail_on", "check names or prefixes"),
        severity=_severity(raw.get("severity"), f"{where}.severity"),
    )
    list_ids = [x.id for x in (*source.feeds, *source.listings, *source.sitemaps)]
    if len(list_ids) != len(set(list_ids)):
        raise RegistryError(f"{where}: feed/listing/sitemap ids must be unique: {list_ids}")
    if not list_ids:
        raise RegistryError(f"{where}: a source needs at least one feed, listing or sitemap")
    return source


def validate_severity_table(table: object, where: str) -> dict[str, str]:
    """A registry ``severity`` mapping checked and returned as ``{key: severity}``.

    Raises ValueError naming ``where`` for a non-mapping, an empty key, a severity outside
    :data:`SEVERITIES`, or ``quarantine`` for a batch check (a name outside
    :data:`ROW_PREFIXES`).
    """
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ValueError(f"{where}: must map check names or prefixes to a severity")
    out = {}
    for key, value in table.items():
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"{where}: check names must be non-empty strings, got {key!r}")
        if value not in SEVERITIES:
            raise ValueError(f"{where}.{key}: severity must be one of {SEVERITIES}, got {value!r}")
        if value == "quarantine" and not key.startswith(ROW_PREFIXES):
            raise ValueError(f"{where}.{key}: only row checks (article.*, headline.*) quarantine")
        out[key.strip()] = value
    return out


def _severity(value: object, where: str) -> dict[str, str]:
    try:
        return validate_severity_table(value, where)
    except ValueError as exc:
        raise RegistryError(str(exc)) from exc


def _max_articles(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
        raise RegistryError(f"{where}: max_articles must be an integer from 0 to 100000")
    return value


def _strings(value: object, where: str, what: str) -> tuple[str, ...]:
    """A registry list of non-empty strings (``what`` names them in the error), stripped."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        raise RegistryError(f"{where}: must be a list of {what}")
    return tuple(x.strip() for x in value)


def _host_list(value: object, where: str) -> tuple[str, ...]:
    return tuple(h.lower() for h in _strings(value, where, "host names"))


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise RegistryError(f"{where}: must be true or false")
    return value


def _listing(raw: object, where: str) -> Listing:
    lid = _list_id(raw, where)
    where = f"{where}.listings[{lid}]"
    selectors = raw.get("selectors")
    _selectors(selectors, LISTING_SELECTOR_KEYS, {"item", "title", "link"}, where)
    max_pages = raw.get("max_pages", 1)
    if not isinstance(max_pages, int) or not 1 <= max_pages <= 100:
        raise RegistryError(f"{where}: max_pages must be an integer from 1 to 100")
    url = _url(_required(raw, "url", where), where)
    if "{" in url:
        try:
            url.format(date=date(2024, 1, 2))
        except (KeyError, IndexError, ValueError) as exc:
            raise RegistryError(
                f"{where}: url template must use only {{date:FORMAT}}: {exc}"
            ) from exc
    return Listing(
        id=lid,
        url=url,
        selectors=dict(selectors),
        max_pages=max_pages,
    )


def _selectors(raw: object, allowed: set[str], required: set[str], where: str) -> None:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: selectors must be a mapping")
    unknown = set(raw) - allowed
    if unknown:
        raise RegistryError(f"{where}: unknown selector keys {sorted(unknown)}")
    missing = required - set(raw)
    if missing:
        raise RegistryError(f"{where}: missing selector keys {sorted(missing)}")
    for key, value in raw.items():
        if not isinstance(value, str) or not value.strip():
            raise RegistryError(f"{where}: selector {key!r} must be a non-empty string")


def _list_id(raw: object, where: str) -> str:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: each feed/listing/sitemap must be a mapping")
    lid = _required(raw, "id", where)
    if not ID_PATTERN.match(lid):
        raise RegistryError(f"{where}: list id {lid!r} must match {ID_PATTERN.pattern}")
    return lid


def _required(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: missing or empty {key!r}")
    return value.strip()


def _url(value: str, where: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"{where}: {value!r} is not an absolute http(s) URL")
    return value
