"""Watchlist mentions: which loaded articles and headlines mention which watched term, where
and how often (table ``mentions``, migration 0010), and reading them back.

A term's queries (:mod:`mediamon.config.watchlist`) are turned into ``tsquery`` text by
:func:`mediamon.search.build_queries`, per row language, exactly as ``mediamon search`` does,
so a term counts the items a search for its query finds: Russian words stemmed (Snowball)
and matched as prefixes, Kazakh words stripped of case and plural suffixes and matched as
prefixes, ё and the Kazakh letters folded. The candidates of a source-day are the rows whose
``search_tsv`` (GIN) matches; each candidate's title, lead (the body's first 300 characters,
to the end of the word there, so that no word is cut in two) and body (the rest) are then
parsed in its language's configuration, and the positions of the query's lexemes counted per
place: every occurrence of a query word or phrase counts once
(queries of one term that meet the same word count it once). A multi-word query matches an
item when each of its words or phrases occurs in it.

The items of a source-day are those search would show for it: the articles its run fetched
(a ``fetches`` row of kind ``article``, as the day's summary and the exports count them) and
the headlines sighted on its lists that day whose article is not loaded. Quarantined rows
never reach ``articles``, ``headlines`` or ``sightings``, so they are never counted.
Evaluating a source-day deletes its items' mention rows and writes them again (one
transaction): the same day evaluated twice leaves the same rows, and a term removed from the
watchlist loses its rows on the days evaluated again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from psycopg2.extras import execute_values

from mediamon.config.watchlist import Term, Watchlist, WatchlistError, load_watchlist
from mediamon.load.db import unknown_sources
from mediamon.search import (
    CONFIGS,
    FOLD_FROM,
    FOLD_TO,
    HEADLINE_OPTIONS,
    SNIPPET_SOURCE_CHARS,
    build_queries,
    parse_query,
    snippet_marks,  # search's own mapping of a folded ts_headline back onto the text
)

log = logging.getLogger(__name__)
# as migration 0008's search_tsv: the lead is the body's first LEAD_CHARS characters (here to
# the end of the word there), and the body is read up to BODY_CHARS (a test compares them)
LEAD_CHARS = 300
BODY_CHARS = 100_000
PLACES = ("title", "lead", "body")
MAX_READ = 1000  # rows :func:`read_mentions` returns at most

# an article's lead and the rest of its body (a word cut at LEAD_CHARS stays whole in the lead)
_LEAD = (
    f"left(coalesce(a.body_text, ''), {LEAD_CHARS}) || substring(substr(coalesce(a.body_text, "
    f"''), {LEAD_CHARS + 1}, 1000) from '^[^[:space:]]*')"
)
_PLACES = (
    f"cross join lateral (select {_LEAD} as lead) l cross join lateral (select substr("
    f"coalesce(a.body_text, ''), length(l.lead) + 1, {BODY_CHARS} - length(l.lead)) as body) r"
)
_TSQUERY_TOKEN = re.compile(r"'((?:[^']|'')*)'(:\*)?|<(\d+|-)>|(&)|(\()|(\))")
_LANG = "case when {t}.language in ('ru', 'kk', 'en') then {t}.language else '' end"
_CONFIG = "case {lang} " + " ".join(
    f"when '{k}' then '{c}'::regconfig" for k, c in CONFIGS.items()
) + " end"  # fmt: skip

_ITEMS = """
    select 'article' as kind, a.id, a.url, {lang_a} as lang,
        coalesce(a.published_day, (a.first_seen at time zone s.timezone)::date) as day
    from articles a join sources s on s.id = a.source_id
    where a.source_id = %(source)s and exists (
        select 1 from fetches f where f.source_id = a.source_id and f.url = a.url
        and f.kind = 'article' and f.day = %(day)s) and {match_a}
    union all
    select 'headline', h.id, h.url, {lang_h}, h.first_seen_day
    from headlines h
    where h.source_id = %(source)s and exists (
        select 1 from sightings g where g.day = %(day)s and g.source_id = h.source_id
        and g.list_id = h.list_id and g.canonical_url = h.canonical_url)
        and not exists (select 1 from articles a where a.canonical_url = h.canonical_url)
        and {match_h}
"""


def items_sql(langs: Iterable[str] | None = None) -> str:
    """SQL of a source-day's items (``%(source)s``, ``%(day)s``): ``kind``, ``id``, ``url``,
    ``lang`` (a key of :data:`mediamon.search.CONFIGS`) and ``day``; with ``langs``, only
    those whose ``search_tsv`` matches their language's ``%(q_<lang or 'other'>)s``."""

    def match(t: str) -> str:
        if langs is None:
            return "true"
        lang = _LANG.format(t=t)
        return "(" + " or ".join(
            f"({lang} = '{k}' and {t}.search_tsv @@ %(q_{k or 'other'})s::tsquery)" for k in langs
        ) + ")"  # fmt: skip

    return _ITEMS.format(lang_a=_LANG.format(t="a"), lang_h=_LANG.format(t="h"),
                         match_a=match("a"), match_h=match("h"))  # fmt: skip


@dataclass(frozen=True)
class Query:
    """One query of a term in one language: its ``tsquery`` text and its ``groups`` (the
    AND-ed words or phrases), each a tuple of ``(offset, lexeme, prefix)`` slots."""

    tsquery: str
    groups: tuple[tuple[tuple[int, str, bool], ...], ...]


@dataclass(frozen=True)
class Compiled:
    """A term with its queries per language key of :data:`mediamon.search.CONFIGS`."""

    term: Term
    queries: dict[str, tuple[Query, ...]]


def compile_terms(conn, watchlist: Watchlist) -> list[Compiled]:
    """Each term's queries as ``tsquery`` text and lexeme groups, per language key (``""``:
    rows of other languages). A query whose words are all stop words in a language is left
    out there."""
    out = []
    for term in watchlist.terms:
        per_lang: dict[str, list[Query]] = {}
        for lang, texts in term.queries:
            for text in texts:
                built = build_queries(conn, parse_query(text), [lang] if lang else None)
                for key, tsquery in built.items():
                    if tsquery:
                        per_lang.setdefault(key, []).append(Query(tsquery, parse_tsquery(tsquery)))
        out.append(Compiled(term, {k: tuple(v) for k, v in per_lang.items()}))
    return out


def parse_tsquery(text: str) -> tuple[tuple[tuple[int, str, bool], ...], ...]:
    """The groups of a ``tsquery`` text as :func:`mediamon.search.build_queries` writes it
    (``('a':* <-> 'b') & ('c')``): per group, ``(offset from its first lexeme, lexeme,
    prefix)``. Raises ValueError for any other shape."""
    groups, group, offset, gap = [], [], 0, 0
    for lexeme, star, distance, amp, opening, closing in _TSQUERY_TOKEN.findall(text):
        if opening:
            group, offset, gap = [], 0, 0
        elif closing:
            groups.append(tuple(group))
        elif distance:
            gap = 1 if distance == "-" else int(distance)
        elif lexeme or star:
            offset += gap if group else 0
            group.append((offset, lexeme.replace("''", "'").replace("\\\\", "\\"), bool(star)))
            gap = 0
        elif not amp:
            raise ValueError(f"unexpected tsquery {text!r}")
    return tuple(groups)


def _starts(group, place: dict[str, list[int]]) -> set[int]:
    """Positions in ``place`` (lexeme → positions) where ``group`` occurs."""
    slots = []
    for offset, lexeme, prefix in group:
        found = set()
        for word, positions in place.items():
            if word == lexeme or (prefix and word.startswith(lexeme)):
                found.update(positions)
        slots.append((offset, found))
    first = slots[0][1]
    return {p for p in first if all(p + off in found for off, found in slots[1:])}


def count_places(queries: Iterable[Query], places: dict[str, dict[str, list[int]]]) -> dict:
    """``{place: occurrences}`` of a term's ``queries`` in one item (``places``: place →
    lexeme → positions); places without one are left out. A query counts when each of its
    groups occurs somewhere in the item; its occurrences are the positions where one of its
    groups starts (the union over the term's queries)."""
    hits: dict[str, set[int]] = {}
    for query in queries:
        starts = [{p: _starts(g, lexemes) for p, lexemes in places.items()} for g in query.groups]
        if not all(any(per_place.values()) for per_place in starts):
            continue
        for per_place in starts:
            for place, found in per_place.items():
                hits.setdefault(place, set()).update(found)
    return {place: len(found) for place in PLACES if (found := hits.get(place))}


def evaluate_source_day(conn, source_id: str, day: date | str, compiled: list[Compiled]) -> int:
    """Rewrite the mentions of one source-day's items (module docstring); returns the number of
    ``mentions`` rows written. Terms scoped to other sources are skipped. Commits; rolls back
    and re-raises on a database error."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    terms = [c for c in compiled if c.term.in_scope(source_id)]
    params = {"source": source_id, "day": day}
    try:
        rows = _mention_rows(conn, terms, params) if terms else []
        with conn.cursor() as cur:
            cur.execute(
                f"delete from mentions m using ({items_sql()}) i where m.source_id = %(source)s "
                "and "
                "((i.kind = 'article' and m.article_id = i.id) or "
                "(i.kind = 'headline' and m.headline_id = i.id))",
                params,
            )
            if rows:
                execute_values(
                    cur,
                    "insert into mentions (article_id, headline_id, term_id, place, source_id, "
                    "day, url, count, snippet) values %s",
                    rows,
                )
        conn.commit()
    except Exception:
        if not conn.closed:
            conn.rollback()
        raise
    return len(rows)


def _mention_rows(conn, terms: list[Compiled], params: dict) -> list[tuple]:
    """The ``mentions`` rows of a source-day's items for ``terms``."""
    by_lang: dict[str, list[str]] = {}
    likes: set[str] = set()
    for c in terms:
        for lang, queries in c.queries.items():
            by_lang.setdefault(lang, []).extend(q.tsquery for q in queries)
            for q in queries:
                for group in q.groups:
                    for _, lexeme, prefix in group:
                        escaped = re.sub(r"([\\%_])", r"\\\1", lexeme)
                        likes.add(escaped + ("%" if prefix else ""))
    if not by_lang:
        return []
    query_params = {
        f"q_{k or 'other'}": " | ".join(f"({q})" for q in v) for k, v in by_lang.items()
    }
    with conn.cursor() as cur:
        cur.execute(
            f"""
            with hits as ({items_sql(by_lang)})
            select h.kind, h.id, h.url, h.lang, h.day, p.place, v.lexeme, v.positions
            from hits h
            left join articles a on h.kind = 'article' and a.id = h.id
            left join headlines t on h.kind = 'headline' and t.id = h.id {_PLACES}
            cross join lateral (values ('title', coalesce(a.title, t.title, '')),
                ('lead', coalesce(l.lead, '')), ('body', coalesce(r.body, ''))) as p(place, text)
            cross join lateral unnest(to_tsvector({_CONFIG.format(lang="h.lang")},
                translate(p.text, %(fold_from)s, %(fold_to)s))) as v
            where v.lexeme like any(%(likes)s)
            """,
            {**params, **query_params, "likes": sorted(likes), "fold_from": FOLD_FROM,
             "fold_to": FOLD_TO},
        )  # fmt: skip
        items: dict[tuple, dict[str, dict[str, list[int]]]] = {}
        for kind, item_id, url, lang, day, place, lexeme, positions in cur.fetchall():
            items.setdefault((kind, item_id, url, lang, day), {}).setdefault(place, {})[lexeme] = (
                list(positions)
            )
    found = []  # (kind, id, url, day, term, place, count, tsquery, lang)
    for (kind, item_id, url, lang, day), places in sorted(items.items(), key=lambda x: x[0][:2]):
        for c in terms:
            queries = c.queries.get(lang, ())
            for place, n in count_places(queries, places).items():
                tsquery = " | ".join(f"({q.tsquery})" for q in queries)
                found.append((kind, item_id, url, day, c.term.id, place, n, tsquery, lang))
    snippets = _snippets(conn, [(f[0], f[1], f[5], f[7], f[8]) for f in found])
    return [
        (item_id if kind == "article" else None, item_id if kind == "headline" else None,
         term_id, place, params["source"], day, url, n, snippet)
        for (kind, item_id, url, day, term_id, place, n, _, _), snippet in zip(
            found, snippets, strict=True)
    ]  # fmt: skip


def _snippets(conn, wanted: list[tuple[str, int, str, str, str]]) -> list[str]:
    """A snippet per ``(kind, id, place, tsquery, lang)``: ``ts_headline`` of the place's
    text around the match, each matched word in ``[...]`` (as ``mediamon search`` prints)."""
    if not wanted:
        return []
    kinds, ids, places, queries, langs = (list(x) for x in zip(*wanted, strict=True))
    with conn.cursor() as cur:
        cur.execute(
            f"""
            select w.n, t.text, ts_headline({_CONFIG.format(lang="w.lang")},
                translate(t.text, %(fold_from)s, %(fold_to)s), w.q::tsquery,
                '{HEADLINE_OPTIONS}')
            from unnest(%(kinds)s::text[], %(ids)s::bigint[], %(places)s::text[],
                %(queries)s::text[], %(langs)s::text[]) with ordinality as w(kind, id, place, q,
                lang, n)
            cross join lateral (
                select left(case w.place when 'title' then coalesce(a.title, '')
                    when 'lead' then l.lead else r.body end, {SNIPPET_SOURCE_CHARS}) as text
                from articles a {_PLACES} where w.kind = 'article' and a.id = w.id
                union all
                select coalesce(h.title, '') from headlines h
                where w.kind = 'headline' and h.id = w.id
            ) t
            order by w.n
            """,
            {"kinds": kinds, "ids": ids, "places": places, "queries": queries, "langs": langs,
             "fold_from": FOLD_FROM, "fold_to": FOLD_TO},
        )  # fmt: skip
        rows = cur.fetchall()
    out = []
    for _, text, headline in rows:
        plain, marks = snippet_marks(text, headline)
        pieces, at = [], 0
        for a, b in marks:
            pieces += [plain[at:a], "[", plain[a:b], "]"]
            at = b
        out.append("".join(pieces) + plain[at:])
    return out


def evaluate_day(
    conn,
    day: date | str,
    sources: Iterable[str],
    *,
    watchlist: Watchlist | None = None,
    alert: bool = True,
) -> dict:
    """Evaluate the watchlist on local ``day`` for ``sources`` (each source-day's mentions
    rewritten, :func:`evaluate_source_day`), then, when ``alert``, check the day's counts
    against their trailing baselines and alert each new spike once
    (:func:`mediamon.spikes.alert_spikes`). ``watchlist`` defaults to the one in force
    (:func:`mediamon.config.watchlist.load_watchlist`, which raises
    :class:`~mediamon.config.watchlist.WatchlistError` when malformed).

    Returns ``{"day", "terms", "sources", "mentions": rows written, "alerts": [texts sent]}``.
    """
    from mediamon.spikes import alert_spikes

    day = date.fromisoformat(day) if isinstance(day, str) else day
    watchlist = watchlist or load_watchlist(check_query=parse_query)
    compiled = compile_terms(conn, watchlist)
    conn.rollback()
    sources = list(sources)
    written = sum(evaluate_source_day(conn, s, day, compiled) for s in sources)
    alerts = alert_spikes(conn, day, watchlist) if alert else []
    log.info("watchlist %s: %d terms, %d sources, %d mention rows, %d alerts", day,
             len(watchlist.terms), len(sources), written, len(alerts))  # fmt: skip
    return {"day": day.isoformat(), "terms": len(watchlist.terms), "sources": len(sources),
            "mentions": written, "alerts": alerts}  # fmt: skip


def evaluate_source_days(
    conn, source_days: Iterable[dict], *, watchlist: Watchlist | None = None
) -> int:
    """Evaluate the watchlist on each ``{"source_id", "day"}`` (the re-parse's plan), without
    alerts: re-parsed days are past days, whose spikes were the daily runs' to send. Returns
    the mention rows written."""
    watchlist = watchlist or load_watchlist(check_query=parse_query)
    compiled = compile_terms(conn, watchlist)
    conn.rollback()
    written = 0
    for item in source_days:
        written += evaluate_source_day(conn, item["source_id"], item["day"], compiled)
    log.info("watchlist: %d mention rows written for the re-parsed source-days", written)
    return written


class MentionsError(ValueError):
    """A read of mentions naming a term or source nobody knows; ``str()`` is one line."""


def check_filters(conn, term_id: str | None = None, sources: list[str] | None = None) -> None:
    """Raise :class:`MentionsError` (one line naming the unknown value and the known ones) for
    a ``term_id`` that is neither in the watchlist in force nor in table ``mentions`` (a term
    since removed from the watchlist keeps its rows), or for ``sources`` the warehouse lacks
    (as :mod:`mediamon.export` says it). A malformed watchlist leaves the table's terms.
    Reads only; ends its transaction."""
    try:
        with conn.cursor() as cur:
            problem = unknown_sources(conn, sources)
            if problem:
                raise MentionsError(problem)
            watched = _watched_ids() if term_id is not None else set()
            if term_id is None or term_id in watched:
                return
            cur.execute("select distinct term_id from mentions")
            counted = {r[0] for r in cur.fetchall()}
    finally:
        conn.rollback()
    if term_id not in counted:
        known = ", ".join(sorted(watched | counted)) or "none"
        raise MentionsError(
            f"unknown term {term_id!r} (the watchlist and the warehouse have: {known})"
        )


def _watched_ids() -> set[str]:
    try:
        return {t.id for t in load_watchlist().terms}
    except WatchlistError:
        return set()


def read_mentions(
    conn,
    term_id: str | None = None,
    *,
    first: date | None = None,
    last: date | None = None,
    sources: list[str] | None = None,
    limit: int = 100,
) -> list[dict]:
    """Mention rows, newest day first: ``{"kind", "item_id", "term_id", "place", "source_id",
    "day" (ISO), "url", "title", "count", "snippet"}``; filtered by term, local days [first,
    last] (both included, the item's day) and source ids. ``limit``: 1 to :data:`MAX_READ`
    (ValueError otherwise). Reads only; ends its transaction."""
    if not 1 <= limit <= MAX_READ:
        raise ValueError(f"limit must be between 1 and {MAX_READ}, not {limit}")
    with conn.cursor() as cur:
        cur.execute(
            """
            select case when m.article_id is null then 'headline' else 'article' end,
                coalesce(m.article_id, m.headline_id), m.term_id, m.place, m.source_id, m.day,
                m.url, coalesce(a.title, h.title), m.count, m.snippet
            from mentions m left join articles a on a.id = m.article_id
            left join headlines h on h.id = m.headline_id
            where (%(term)s::text is null or m.term_id = %(term)s)
              and (%(first)s::date is null or m.day >= %(first)s)
              and (%(last)s::date is null or m.day <= %(last)s)
              and (%(sources)s::text[] is null or m.source_id = any(%(sources)s))
            order by m.day desc, m.source_id, m.url, m.term_id,
                array_position(array['title', 'lead', 'body'], m.place)
            limit %(limit)s
            """,
            {"term": term_id, "first": first, "last": last, "sources": sources or None,
             "limit": limit},
        )  # fmt: skip
        rows = cur.fetchall()
    conn.rollback()
    keys = ("kind", "item_id", "term_id", "place", "source_id", "day", "url", "title", "count",
            "snippet")  # fmt: skip
    return [{**dict(zip(keys, r, strict=True)), "day": r[5].isoformat()} for r in rows]


def daily_counts(
    conn,
    term_id: str | None = None,
    *,
    first: date | None = None,
    last: date | None = None,
    sources: list[str] | None = None,
) -> list[dict]:
    """The daily count per term and outlet (view ``mention_days``), oldest day first:
    ``{"day" (ISO), "source_id", "term_id", "items", "occurrences"}``, filtered like
    :func:`read_mentions`. Reads only; ends its transaction."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select day, source_id, term_id, items, occurrences from mention_days
            where (%(term)s::text is null or term_id = %(term)s)
              and (%(first)s::date is null or day >= %(first)s)
              and (%(last)s::date is null or day <= %(last)s)
              and (%(sources)s::text[] is null or source_id = any(%(sources)s))
            order by day, source_id, term_id
            """,
            {"term": term_id, "first": first, "last": last, "sources": sources or None},
        )
        rows = cur.fetchall()
    conn.rollback()
    return [
        {"day": d.isoformat(), "source_id": s, "term_id": t, "items": i, "occurrences": o}
        for d, s, t, i, o in rows
    ]
