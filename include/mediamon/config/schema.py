"""The sources registry's schema (pydantic v2) and its one-line error messages.

Ground level: imports only :mod:`mediamon.config.vocabulary`, pydantic and cssselect (never
the parse stage). :func:`mediamon.config.load_sources` calls :func:`validate_registry`; the
runtime reads the frozen dataclasses of :mod:`mediamon.config`, not these models.

Every model forbids unknown keys (``listing:`` for ``listings:`` is an error, with a "did you
mean"), takes no coercion (``max_pages: "3"`` and ``extra_hosts: "evil.com"`` are errors) and
compiles every CSS selector with cssselect's HTML translator, the engine the parsers use
(:mod:`mediamon.parse._tree`). Each problem is one line::

    <file>: sources[<i>] (<source id>).<field>: <what is wrong>

for example ``sources.yaml: sources[3] (zakon_ru).listings[front].selectors.item: invalid CSS
'div[[[': ...``; a list entry is named by its ``id`` when it has one, else by its index. All
the problems of every source are reported at once (a source's cross-field checks, unique
list ids and "at least one list", run once its fields are valid).
"""

from __future__ import annotations

import difflib
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import HTMLTranslator
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mediamon.config.vocabulary import (
    ARTICLE_SELECTOR_KEYS,
    ID_PATTERN,
    LISTING_SELECTOR_KEYS,
    validate_severity_table,
)

_CSS = HTMLTranslator()
# pydantic error types → how a line says them (the others keep pydantic's own words)
_TYPE_WORDS = {
    "list_type": "must be a list",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
}


class _Whole(ValueError):
    """A message that already starts with its field's name (``severity.x: ...``)."""


def _not_empty(value: Any) -> Any:
    """None, '' and blanks count as missing: the line says "missing or empty 'key'"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticCustomError("empty", "missing or empty")
    return value.strip() if isinstance(value, str) else value


def _absolute_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    return value


def _list_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"list id {value!r} must match {ID_PATTERN.pattern}")
    return value


def css_problem(selector: str) -> str | None:
    """Why ``selector`` cannot be used by the parsers (not CSS, or a form cssselect cannot
    translate to XPath), or None when it compiles."""
    try:
        _CSS.css_to_xpath(selector)
    except Exception as exc:  # SelectorSyntaxError, ExpressionError: an unusable selector
        return f"invalid CSS {selector!r}: {exc}"
    return None


def _css(selector: str) -> str:
    problem = css_problem(selector)
    if problem:
        raise ValueError(problem)
    return selector


Text = Annotated[str, BeforeValidator(_not_empty)]
Url = Annotated[str, BeforeValidator(_not_empty), AfterValidator(_absolute_url)]
ListId = Annotated[str, BeforeValidator(_not_empty), AfterValidator(_list_id)]
Css = Annotated[str, BeforeValidator(_not_empty), AfterValidator(_css)]


def _selectors(raw: Any, allowed: set[str], required: set[str]) -> Any:
    """Key checks of a selector table; the values are compiled one by one afterwards."""
    if not isinstance(raw, dict):
        raise ValueError("must be a mapping of selector keys to CSS selectors")
    unknown = set(raw) - allowed
    if unknown:
        raise ValueError(f"unknown selector keys {sorted(unknown)} (known: {sorted(allowed)})")
    missing = required - set(raw)
    if missing:
        raise ValueError(f"missing selector keys {sorted(missing)}")
    for key, value in raw.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"selector {key!r} must be a non-empty string")
    return raw


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            raise PydanticCustomError("model_type", "must be a mapping")
        return raw


class CandidateModel(_Model):
    """One candidate URL of a feed, with where it was seen."""

    url: Url
    evidence: str = ""


class FeedModel(_Model):
    """A feed: ``url`` (one address), or ``urls`` (candidates in order, strings or
    ``{url, evidence}``); ``evidence`` says where the single ``url`` was seen."""

    id: ListId
    url: Url | None = None
    urls: list[CandidateModel] | None = None
    evidence: str = ""

    @field_validator("urls", mode="before")
    @classmethod
    def _strings_are_candidates(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"url": x} if isinstance(x, str) else x for x in value]
        return value

    @model_validator(mode="after")
    def _one_address(self) -> FeedModel:
        if (self.url is None) == (self.urls is None) or self.urls == []:
            raise ValueError("give either url (one address) or urls (candidates, in order)")
        return self


class SitemapModel(_Model):
    id: ListId
    url: Url
    evidence: str = ""


class ListingModel(_Model):
    id: ListId
    url: Url
    selectors: dict[str, Css] | None = None
    max_pages: int = 1
    evidence: str = ""

    @field_validator("selectors", mode="before")
    @classmethod
    def _selector_keys(cls, value: Any) -> Any:
        if value is None:
            return value
        return _selectors(value, LISTING_SELECTOR_KEYS, {"item", "title", "link"})

    @field_validator("max_pages", mode="before")
    @classmethod
    def _max_pages(cls, value: Any) -> Any:
        if not _integer(value, 1, 100):
            raise ValueError(f"must be an integer from 1 to 100, got {value!r}")
        return value

    @field_validator("url")
    @classmethod
    def _template(cls, value: str) -> str:
        if "{" in value:
            try:
                value.format(date=date(2024, 1, 2))
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"url template must use only {{date:FORMAT}}: {exc}") from exc
        return value


def _languages(value: Any) -> Any:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(x, str) and len(x) == 2 for x in value)
    ):
        raise ValueError(f"must be a non-empty list of ISO 639-1 codes, got {value!r}")
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        hint = difflib.get_close_matches(value, _zone_names(), n=1)
        also = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ValueError(f"unknown IANA time zone {value!r}{also}") from exc
    return value


def _zone_names() -> list[str]:
    from zoneinfo import available_timezones

    return sorted(available_timezones())


def _integer(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _year(value: Any) -> Any:
    if not _integer(value, 1801, 2099):
        raise ValueError(f"must be a year, got {value!r}")
    return value


def _max_articles(value: Any) -> Any:
    if not _integer(value, 0, 100_000):
        raise ValueError(f"must be an integer from 0 to 100000, got {value!r}")
    return value


def _checked(value: Any) -> Any:
    if value == "never" or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"must be 'never' or a date YYYY-MM-DD, got {value!r}")


def _hosts(value: list[str]) -> list[str]:
    if not all(x.strip() for x in value):
        raise ValueError("must be a list of host names")
    return [x.strip().lower() for x in value]


def _check_names(value: list[str]) -> list[str]:
    if not all(x.strip() for x in value):
        raise ValueError("must be a list of check names or prefixes")
    return [x.strip() for x in value]


def _severity(value: Any) -> Any:
    try:
        return validate_severity_table(value, "severity")
    except ValueError as exc:
        raise _Whole(str(exc)) from exc


Hosts = Annotated[list[str], AfterValidator(_hosts)]


class SourceModel(_Model):
    """One outlet of the registry (see :class:`mediamon.config.Source` for the meanings)."""

    id: Text
    name: str | None = None
    homepage: Url
    languages: Annotated[list[str], BeforeValidator(_languages)]
    timezone: Annotated[str, BeforeValidator(_not_empty), AfterValidator(_zone)]
    first_year: Annotated[int, BeforeValidator(_year)] = 1990
    feeds: list[FeedModel] | None = None
    listings: list[ListingModel] | None = None
    sitemaps: list[SitemapModel] | None = None
    article: dict[str, Css] | None = None
    extra_hosts: Hosts = []
    max_articles: Annotated[int, BeforeValidator(_max_articles)] = 200
    allowed_hosts: Hosts = []
    conditional_get: bool = True
    syndication_hosts: Hosts = []
    fail_on: Annotated[list[str], AfterValidator(_check_names)] = []
    severity: Annotated[dict[str, str], BeforeValidator(_severity)] = {}
    evidence: str = ""
    checked: Annotated[Literal["never"] | date, BeforeValidator(_checked)] = "never"
    date_format: str | None = None
    byline_format: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"source id must match {ID_PATTERN.pattern}")
        return value

    @field_validator("article", mode="before")
    @classmethod
    def _article_keys(cls, value: Any) -> Any:
        return value if value is None else _selectors(value, ARTICLE_SELECTOR_KEYS, set())

    @model_validator(mode="after")
    def _lists(self) -> SourceModel:
        ids = [x.id for x in (*(self.feeds or ()), *(self.listings or ()), *(self.sitemaps or ()))]
        if not ids:
            raise ValueError("a source needs at least one feed, listing or sitemap")
        if len(ids) != len(set(ids)):
            raise ValueError(f"feed/listing/sitemap ids must be unique: {ids}")
        return self


def validate_registry(doc: Any, where: str) -> tuple[list[tuple[int, SourceModel]], list[str]]:
    """Validate a registry document (the parsed YAML); ``where`` names the file in messages.

    Returns ``(sources, errors)``: the valid sources with their index, in file order, and one
    line per problem (empty when the registry is valid).
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        return [], [f"{where}: expected a mapping with a 'sources' list"]
    errors = [
        f"{where}: unknown top-level key {key!r}{_suggest(key, ['sources'])}"
        for key in doc
        if key != "sources"
    ]
    valid: list[tuple[int, SourceModel]] = []
    seen: set[str] = set()
    for index, raw in enumerate(doc["sources"]):
        prefix = f"{where}: sources[{index}]"
        if not isinstance(raw, dict):
            errors.append(f"{prefix}: expected a mapping")
            continue
        sid = raw.get("id")
        if isinstance(sid, str) and sid.strip():
            prefix = f"{prefix} ({sid.strip()})"
        try:
            model = SourceModel.model_validate(raw)
        except ValidationError as exc:
            errors += [_line(prefix, raw, error) for error in exc.errors()]
            continue
        if model.id in seen:
            errors.append(f"{prefix}: duplicate source id {model.id!r}")
            continue
        seen.add(model.id)
        valid.append((index, model))
    return valid, errors


def _line(prefix: str, raw: dict, error: dict) -> str:
    """One pydantic error as ``<prefix>.<field>: <message>``."""
    loc = list(error["loc"])
    kind = error["type"]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _Whole) and loc:
        return f"{prefix}{_path(raw, loc[:-1])}.{cause}"
    if kind in ("missing", "empty") and loc:
        key = loc.pop()
        return f"{prefix}{_path(raw, loc)}: missing or empty {key!r}"
    if kind == "extra_forbidden" and loc:
        key = loc.pop()
        known = _known_keys(loc)
        return f"{prefix}{_path(raw, loc)}: unknown key {key!r}{_suggest(str(key), known)}"
    if kind == "value_error" and cause is not None:
        message = str(cause)
    elif kind in _TYPE_WORDS:
        message = f"{_TYPE_WORDS[kind]}, got {_shown(error.get('input'))}"
    else:
        message = error["msg"]
    return f"{prefix}{_path(raw, loc)}: {message}"


def _path(raw: Any, loc: list) -> str:
    """``.listings[front].selectors.item`` for ``['listings', 0, 'selectors', 'item']``:
    a list entry is named by its id when it has a usable one."""
    out, node = "", raw
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            lid = item.get("id") if isinstance(item, dict) else None
            out += f"[{lid.strip()}]" if isinstance(lid, str) and lid.strip() else f"[{part}]"
            node = item
        else:
            out += f".{part}"
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _known_keys(loc: list) -> list[str]:
    model: type[BaseModel] = SourceModel
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        nested = {"feeds": FeedModel, "listings": ListingModel, "sitemaps": SitemapModel,
                  "urls": CandidateModel}.get(str(part))  # fmt: skip
        if field is None or nested is None:
            return []
        model = nested
    return list(model.model_fields)


def _suggest(key: str, known: list[str]) -> str:
    hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"a string {value!r}"
    return f"{type(value).__name__} {value!r}"[:80]
