"""The watchlist: terms and names whose mentions are counted in every loaded day, and the
rule that turns a day's count into an alert.

The file is YAML (``MEDIAMON_WATCHLIST``, default the packaged ``watchlist.yaml``)::

    alert:                      # optional; these are the defaults
      baseline_days: 14         # the trailing window a day is compared with
      min_baseline_days: 7      # fewer loaded days in it: no alert (too little to compare)
      k: 3.0                    # a spike is above mean + k * max(std, sqrt(mean))
      min_mentions: 5           # ... and at least this many items mention the term
    terms:
      - id: tokayev             # [a-z][a-z0-9_]*, unique
        name: Kassym-Jomart Tokayev
        match: [Токаев, Tokayev]        # queries for rows of every language
        kk: [Тоқаев]                    # queries for Kazakh rows only (also ru:, en:)
        sources: [kazinform_kk]         # optional: count only these outlets

A query is written as for ``mediamon search`` (:mod:`mediamon.search`): words (all must
occur), ``"a phrase"``, ``prefix*`` (the explicit stem rule); it is normalized the way search
normalizes it (Russian Snowball stem then prefix, Kazakh suffixes stripped then prefix, ё and
the Kazakh letters folded), so an inflected form needs no entry of its own: ``Тоқаев`` counts
Тоқаевтың and Тоқаевқа, ``Астана`` counts Астаны and в Астане. List extra forms only where
the stem rule misses one (a suppletive form, an abbreviation such as ``КТК``).

Validation is pydantic (like the registry, :mod:`mediamon.config.schema`): unknown keys,
wrong types, bad or duplicate ids, empty query lists and, through ``check_query``, queries
search cannot read are errors, all reported at once, one line each naming the file, the term
and the field: ``watchlist.yaml: terms[2] (tokayev).kk[0]: unclosed quote ...``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BeforeValidator, ValidationError, model_validator

from mediamon.config.schema import _TYPE_WORDS, Text, _Model, _shown, _suggest
from mediamon.config.vocabulary import ID_PATTERN

PACKAGED_WATCHLIST = Path(__file__).resolve().parent.parent / "watchlist.yaml"
LANGUAGE_KEYS = ("ru", "kk", "en")  # per-language query lists; ``match`` is every language


class WatchlistError(ValueError):
    """The watchlist is malformed. ``str()``: one line per problem; ``errors``: the lines."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or [message]


@dataclass(frozen=True)
class AlertRule:
    """When a term's daily count is a spike: ``count >= min_mentions`` and ``count > mean +
    k * max(std, sqrt(mean))`` over the loaded days of the ``baseline_days`` before it, given
    at least ``min_baseline_days`` of them (counts: items that mention the term)."""

    baseline_days: int = 14
    min_baseline_days: int = 7
    k: float = 3.0
    min_mentions: int = 5


@dataclass(frozen=True)
class Term:
    """One watched term. ``queries``: language key (``""``: rows of every language, else
    ``ru``/``kk``/``en``) → search queries; ``sources``: outlet ids it is counted in (empty:
    every outlet)."""

    id: str
    name: str
    queries: tuple[tuple[str, tuple[str, ...]], ...]
    sources: tuple[str, ...] = ()

    def in_scope(self, source_id: str) -> bool:
        return not self.sources or source_id in self.sources


@dataclass(frozen=True)
class Watchlist:
    """The validated watchlist: ``terms`` in file order, the ``alert`` rule, its ``path``."""

    terms: tuple[Term, ...]
    alert: AlertRule
    path: str = ""

    def term(self, term_id: str) -> Term:
        """The term ``term_id``; KeyError naming the known ids otherwise."""
        for term in self.terms:
            if term.id == term_id:
                return term
        raise KeyError(f"unknown term {term_id!r} (the watchlist has {[t.id for t in self.terms]})")


def watchlist_path() -> Path:
    """The watchlist in force: ``MEDIAMON_WATCHLIST``, else the packaged ``watchlist.yaml``."""
    return Path(os.environ.get("MEDIAMON_WATCHLIST") or PACKAGED_WATCHLIST)


def _id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"term id must match {ID_PATTERN.pattern}")
    return value


def _queries(value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(q, str) and q.strip() for q in value):
        raise ValueError(f"must be a list of non-empty query strings, got {_shown(value)}")
    return [q.strip() for q in value]


def _positive(low: float, high: float, integer: bool) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            kind = "an integer" if integer else "a number"
            raise ValueError(f"must be {kind} from {low:g} to {high:g}, got {value!r}")
        return value

    return check


Queries = Annotated[list[str], BeforeValidator(_queries)]


class AlertModel(_Model):
    baseline_days: Annotated[int, BeforeValidator(_positive(1, 366, True))] = 14
    min_baseline_days: Annotated[int, BeforeValidator(_positive(1, 366, True))] = 7
    k: Annotated[float, BeforeValidator(_positive(0, 100, False))] = 3.0
    min_mentions: Annotated[int, BeforeValidator(_positive(1, 1_000_000, True))] = 5

    @model_validator(mode="after")
    def _window(self) -> AlertModel:
        if self.min_baseline_days > self.baseline_days:
            raise ValueError("min_baseline_days cannot exceed baseline_days")
        return self


class TermModel(_Model):
    id: Annotated[Text, AfterValidator(_id)]
    name: Text | None = None
    match: Queries = []
    ru: Queries = []
    kk: Queries = []
    en: Queries = []
    sources: Annotated[list[str], AfterValidator(lambda v: [_source_id(x) for x in v])] = []

    @model_validator(mode="after")
    def _some_query(self) -> TermModel:
        if not (self.match or self.ru or self.kk or self.en):
            raise ValueError("a term needs at least one query (match, ru, kk or en)")
        return self


def _source_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"source id {value!r} must match {ID_PATTERN.pattern}")
    return value


def load_watchlist(
    path: Path | str | None = None, *, check_query: Callable[[str], Any] | None = None
) -> Watchlist:
    """Read and validate a watchlist file (default :func:`watchlist_path`).

    ``check_query(text)`` raises ValueError for a query search cannot read (the caller passes
    :func:`mediamon.search.parse_query`; config sits below search). Raises
    :class:`WatchlistError` listing every problem at once, one line each.
    """
    path = Path(path) if path else watchlist_path()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WatchlistError(
            f"{path}: cannot read watchlist: {' '.join(str(exc).split())}"
        ) from exc
    errors: list[str] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("terms"), list):
        raise WatchlistError(f"{path}: expected a mapping with a 'terms' list")
    errors += [
        f"{path}: unknown top-level key {key!r}{_suggest(str(key), ['terms', 'alert'])}"
        for key in doc
        if key not in ("terms", "alert")
    ]
    alert = AlertModel()
    try:
        alert = AlertModel.model_validate(doc.get("alert") or {})
    except ValidationError as exc:
        errors += [_line(f"{path}: alert", e, AlertModel) for e in exc.errors()]
    terms: list[Term] = []
    for index, raw in enumerate(doc["terms"]):
        prefix = f"{path}: terms[{index}]"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            prefix += f" ({raw['id']})"
        try:
            model = TermModel.model_validate(raw)
        except ValidationError as exc:
            errors += [_line(prefix, e, TermModel) for e in exc.errors()]
            continue
        if model.id in {t.id for t in terms}:
            errors.append(f"{prefix}: duplicate term id {model.id!r}")
            continue
        queries = [("", tuple(model.match))] + [
            (lang, tuple(getattr(model, lang))) for lang in LANGUAGE_KEYS if getattr(model, lang)
        ]
        bad = _bad_queries(prefix, queries, check_query)
        errors += bad
        if not bad:
            terms.append(Term(model.id, model.name or model.id,
                              tuple(q for q in queries if q[1]), tuple(model.sources)))  # fmt: skip
    if errors:
        raise WatchlistError("\n".join(errors), errors)
    rule = AlertRule(alert.baseline_days, alert.min_baseline_days, float(alert.k),
                     alert.min_mentions)  # fmt: skip
    return Watchlist(tuple(terms), rule, str(path))


def _bad_queries(prefix: str, queries, check_query) -> list[str]:
    if check_query is None:
        return []
    out = []
    for lang, texts in queries:
        for i, text in enumerate(texts):
            try:
                check_query(text)
            except ValueError as exc:
                out.append(f"{prefix}.{lang or 'match'}[{i}]: {exc} (query {text!r})")
    return out


def _line(prefix: str, error: dict, model: type[_Model]) -> str:
    """One pydantic error as ``<prefix>.<field>: <message>``."""
    loc = [str(x) if not isinstance(x, int) else f"[{x}]" for x in error["loc"]]
    where = "".join(x if x.startswith("[") else f".{x}" for x in loc)
    kind, cause = error["type"], (error.get("ctx") or {}).get("error")
    if kind in ("missing", "empty"):
        return f"{prefix}{where}: missing or empty"
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        parent = where.rsplit(".", 1)[0]
        return f"{prefix}{parent}: unknown key {key!r}{_suggest(key, list(model.model_fields))}"
    if kind == "value_error" and cause is not None:
        return f"{prefix}{where}: {cause}"
    if kind in _TYPE_WORDS:
        return f"{prefix}{where}: {_TYPE_WORDS[kind]}, got {_shown(error.get('input'))}"
    return f"{prefix}{where}: {error['msg']}"
