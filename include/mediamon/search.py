"""Full-text search over the warehouse's articles and headlines (PostgreSQL ``tsvector``).

Each article and headline carries ``search_tsv`` (migration 0008): title (weight A), lead (B),
body (C), parsed in its language's text search configuration (``russian``, ``english``,
``kazakh``, else ``simple``) after folding ё and the Kazakh letters (:data:`FOLD`).

Query syntax (:func:`parse_query`):

- ``word word``: every word must match (in the title, lead or body);
- ``"a phrase"``: the words next to each other, in order (stop words leave their gap);
- ``prefix*``: any word that starts with ``prefix`` (at least two letters).

Only letters and digits of the query are used: punctuation separates words, and ``a-b``
is the phrase ``"a b"``. The query is normalized in each language's configuration and run
against the rows of that language only (a Russian row is searched with the Russian query):

- ru: Snowball stem, then a prefix match when the stem has 4 letters or more (Snowball leaves
  names unevenly stemmed: Астана → 'аста' but Астане → 'астан'; Токаев → 'тока' but
  Токаева → 'токаев'; the prefix 'аста':* meets all of them);
- en: Snowball stem, exact (the English stemmer conflates inflections well);
- kk: the folded word loses one case, possessive or plural suffix (:func:`kazakh_stem`) and
  is matched as a prefix ('Тоқаевтың' → 'токаев':* finds Тоқаев, Тоқаевқа, Тоқаевпен);
- anything else: the folded word, as a prefix from 4 letters on.

Rows that failed a row check are not searched: the validate stage sends them to
``quarantine`` and the loader never writes them to ``articles`` or ``headlines``. The query
text reaches PostgreSQL only as bound parameters; the ``tsquery`` text is built here from
lexemes PostgreSQL returned, each quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mediamon.load.db import unknown_sources

# keep in step with migration 0008 (FOLD_FROM, FOLD_TO): a test compares them
FOLD_FROM = "ЁӘҒҚҢӨҰҮҺІёәғқңөұүһі"
FOLD_TO = "ЕАГКНОУУХИеагкноуухи"
FOLD = str.maketrans(FOLD_FROM, FOLD_TO)
CONFIGS = {"ru": "russian", "kk": "kazakh", "en": "english", "": "simple"}  # "": other/none
AUTO_PREFIX_MIN = 4  # letters of a stem below which a word is matched exactly (ru, other)
SNIPPET_SOURCE_CHARS = 20_000  # how much of a body ts_headline reads for the snippet
START, STOP = "\ue000", "\ue001"  # ts_headline's markers (private use: not in scraped text)
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MinWords=12, MaxWords=30"

# Kazakh case, possessive and plural endings (after folding), longest first. One is removed
# from a query word (twice at most: plural + case), when 4 letters or more remain.
KAZAKH_SUFFIXES = sorted(
    {
        # genitive, ablative, locative, dative, accusative, instrumental, plural
        "нын", "нин", "дын", "дин", "тын", "тин",
        "нан", "нен", "дан", "ден", "тан", "тен",
        "нда", "нде", "да", "де", "та", "те",
        "нга", "нге", "га", "ге", "ка", "ке",
        "ны", "ни", "ды", "ди", "ты", "ти",
        "мен", "бен", "пен",
        "лар", "лер", "дар", "дер", "тар", "тер",
    },
    key=len,
    reverse=True,
)  # fmt: skip
_PIECE = re.compile(r"([^\W_]+)(\*)?")
_TOKEN = re.compile(r'"([^"]*)"|([^\s"]+)|(")')


class QueryError(ValueError):
    """A search query that cannot be read (empty, an unclosed quote, a misplaced ``*``)."""


@dataclass(frozen=True)
class Term:
    """One query term: ``words`` in order (with a prefix flag each); ``phrase`` when they
    must stand next to each other."""

    words: tuple[tuple[str, bool], ...]
    phrase: bool


@dataclass(frozen=True)
class Hit:
    """One search result.

    ``kind``: ``article``, or ``headline`` (a list item whose article was not loaded);
    ``day``: the local day (article: published, else first seen; headline: first seen);
    ``snippet``: plain text, whitespace collapsed, with ``marks`` the (start, end) character
    offsets of the matched words in it; ``rank``: ``ts_rank_cd`` (≥ 0, higher is better);
    ``title_hit``: every query term matched in the title (such hits come first);
    ``article_id``: ``articles.id`` (None for a headline); ``cluster_id``: its story in
    ``story_clusters`` (by canonical URL), None when not clustered.
    """

    kind: str
    source_id: str
    day: date | None
    title: str
    snippet: str
    marks: tuple[tuple[int, int], ...]
    url: str
    language: str | None
    rank: float
    title_hit: bool
    article_id: int | None = None
    cluster_id: str | None = None

    def marked_snippet(self, start: str = "[", stop: str = "]") -> str:
        """The snippet with each matched word between ``start`` and ``stop``."""
        out, at = [], 0
        for a, b in self.marks:
            out += [self.snippet[at:a], start, self.snippet[a:b], stop]
            at = b
        return "".join(out) + self.snippet[at:]


def parse_query(query: str) -> list[Term]:
    """Terms of ``query`` (syntax in the module docstring); raises :class:`QueryError`."""
    terms = []
    for phrase, bare, stray in _TOKEN.findall(query or ""):
        if stray:
            raise QueryError('unclosed quote: a phrase is written "between quotes"')
        text = phrase or bare
        if re.search(r"(?<![^\W_])\*|\*(?=[^\W_])", text):
            raise QueryError(f"'*' ends a word (prefix*): {text!r}")
        words = []
        for word, star in _PIECE.findall(text):
            if star and len(word) < 2:
                raise QueryError(f"a prefix needs two letters or more before '*': {text!r}")
            words.append((word, bool(star)))
        if words:
            terms.append(Term(tuple(words), phrase=bool(phrase) or len(words) > 1))
    if not terms:
        raise QueryError("the query has no words to search for")
    return terms


def kazakh_stem(word: str) -> str:
    """A folded, lower-case Kazakh word without its case/plural suffixes (at most two, each
    removed only when 4 letters or more remain), e.g. 'токаевтын' → 'токаев'; a final к or
    п (қ/к/п, which turn into ғ/г/б before a vowel: кітап → кітабы) is dropped too when 4
    letters remain ('китаптардын' → 'кита'). Used as a prefix, never as a whole word."""
    for _ in range(2):
        for suffix in KAZAKH_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        else:
            break
    if word.endswith(("к", "п")) and len(word) >= 5:
        word = word[:-1]
    return word


def build_queries(conn, terms: list[Term], languages=None) -> dict[str, str | None]:
    """``tsquery`` text per language key of :data:`CONFIGS` (``""``: other languages), or
    None when no term has a lexeme in that configuration (only stop words)."""
    keys = [k for k in CONFIGS if languages is None or k in languages or (k == "" and any(
        lang not in CONFIGS for lang in languages))]  # fmt: skip
    words = [(t, j, w.translate(FOLD)) for t, term in enumerate(terms) for j, (w, _) in
             enumerate(term.words)]  # fmt: skip
    with conn.cursor() as cur:
        cur.execute(
            "select c.key, w.t, w.j, v.lexeme from unnest(%s::text[], %s::text[]) "
            "as c(key, config) cross join unnest(%s::int[], %s::int[], %s::text[]) "
            "as w(t, j, word) cross join lateral unnest(to_tsvector(c.config::regconfig, "
            "w.word)) as v order by v.positions[1]",
            (keys, [CONFIGS[k] for k in keys], [t for t, _, _ in words],
             [j for _, j, _ in words], [w for _, _, w in words]),
        )  # fmt: skip
        lexemes: dict[tuple[str, int, int], list[str]] = {}
        for key, t, j, lexeme in cur.fetchall():
            lexemes.setdefault((key, t, j), []).append(lexeme)
    return {key: _tsquery(key, terms, lexemes) for key in keys}


def _tsquery(key: str, terms: list[Term], lexemes: dict) -> str | None:
    parts = []
    for t, term in enumerate(terms):
        pieces, last = [], None
        for j, (_, prefix) in enumerate(term.words):
            found = lexemes.get((key, t, j))
            if not found:  # a stop word: it keeps its place in a phrase
                continue
            gap = "" if last is None else (" <-> " if j - last == 1 else f" <{j - last}> ")
            pieces.append(gap + " <-> ".join(_lexeme(key, x, prefix) for x in found))
            last = j
        if pieces:
            parts.append("(" + "".join(pieces) + ")")
    return " & ".join(parts) or None


def _lexeme(key: str, lexeme: str, prefix: bool) -> str:
    if key == "kk" and not prefix:
        lexeme = kazakh_stem(lexeme)
        prefix = len(lexeme) >= 3
    elif key in ("ru", "") and len(lexeme) >= AUTO_PREFIX_MIN:
        prefix = True
    quoted = "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


_LANG = "case when {t}.language in ('ru', 'kk', 'en') then {t}.language else '' end"


def _matches(table: str, queries: dict[str, str | None]) -> str:
    """SQL: the row matches its language's query (one ``@@`` per language: the GIN index
    serves each, OR-ed as a bitmap)."""
    conds = []
    for key, q in queries.items():
        if q is None:
            continue
        lang = (
            f"{table}.language = '{key}'" if key else
            f"({table}.language is null or {table}.language not in ('ru', 'kk', 'en'))"
        )  # fmt: skip
        conds.append(f"({lang} and {table}.search_tsv @@ %(q_{key or 'other'})s::tsquery)")
    return "(" + " or ".join(conds) + ")"


def _query_of(table: str, queries: dict[str, str | None]) -> str:
    whens = " ".join(
        f"when '{k}' then %(q_{k or 'other'})s::tsquery" for k, q in queries.items() if q
    )
    return f"case {_LANG.format(t=table)} {whens} end"


def search(
    conn,
    query: str,
    *,
    first: date | None = None,
    last: date | None = None,
    sources: list[str] | None = None,
    languages: list[str] | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Search articles and headlines (those whose article is not loaded) for ``query``.

    ``first``/``last``: local days, both included; ``sources``: source ids; ``languages``:
    row languages (ru, kk, en, ...); ``limit``: at most this many hits (1..1000). Hits come
    title hits first, then by ``ts_rank_cd`` (title A=1.0, lead B=0.4, body C=0.2), newer
    day, URL. Raises :class:`QueryError` for an unreadable query, a bad limit or a source the
    warehouse lacks; psycopg2 errors pass through. Reads only; the transaction is left to the
    caller.
    """
    if not 1 <= limit <= 1000:
        raise QueryError(f"limit must be between 1 and 1000, not {limit}")
    problem = unknown_sources(conn, sources)
    if problem:
        raise QueryError(problem)
    terms = parse_query(query)
    languages = list(languages) if languages else None  # empty: every language
    queries = build_queries(conn, terms, languages)
    if not any(queries.values()):
        return []
    params = {f"q_{k or 'other'}": q for k, q in queries.items()}
    params.update(
        first=first, last=last, sources=list(sources) if sources else None,
        languages=list(languages) if languages else None, limit=limit,
        fold_from=FOLD_FROM, fold_to=FOLD_TO,
    )  # fmt: skip
    with conn.cursor() as cur:
        cur.execute(_sql(queries), params)
        rows = cur.fetchall()
    return [_hit(*row) for row in rows]


def _sql(queries: dict[str, str | None]) -> str:
    filters = (
        "and (%(first)s::date is null or day >= %(first)s) "
        "and (%(last)s::date is null or day <= %(last)s)"
    )
    scope = (
        "and (%(sources)s::text[] is null or {t}.source_id = any(%(sources)s)) "
        "and (%(languages)s::text[] is null or {t}.language = any(%(languages)s))"
    )
    configs = " ".join(f"when '{k}' then '{c}'::regconfig" for k, c in CONFIGS.items())
    return f"""
        with found as (
            select 'article' as kind, a.id as article_id, a.canonical_url, a.source_id, a.url,
                a.title, a.language,
                coalesce(a.published_day, (a.first_seen at time zone s.timezone)::date) as day,
                a.search_tsv as tsv, {_query_of("a", queries)} as q,
                left(coalesce(a.body_text, ''), {SNIPPET_SOURCE_CHARS}) as text
            from articles a join sources s on s.id = a.source_id
            where {_matches("a", queries)} {scope.format(t="a")}
            union all
            select distinct on (h.canonical_url) 'headline', null::bigint, h.canonical_url,
                h.source_id, h.url, h.title,
                h.language, h.first_seen_day, h.search_tsv, {_query_of("h", queries)},
                coalesce(h.title, '')
            from headlines h
            where {_matches("h", queries)} {scope.format(t="h")}
                and not exists (select 1 from articles a where a.canonical_url = h.canonical_url)
        ), ranked as (
            select *, ts_rank_cd(tsv, q) as rank, ts_filter(tsv, '{{a}}') @@ q as title_hit
            from found where true {filters}
            order by title_hit desc, rank desc, day desc nulls last, url
            limit %(limit)s
        )
        select kind, ranked.source_id, day, coalesce(ranked.title, ''), url, language, rank,
            title_hit, text, ts_headline(case {_LANG.format(t="ranked")} {configs} end,
                translate(text, %(fold_from)s, %(fold_to)s), q, '{HEADLINE_OPTIONS}'),
            article_id, c.cluster_id
        from ranked left join story_clusters c using (canonical_url)
        order by title_hit desc, rank desc, day desc nulls last, url
    """


def _hit(
    kind, source_id, day, title, url, language, rank, title_hit, text, headline, article_id,
    cluster_id,
) -> Hit:  # fmt: skip
    snippet, marks = snippet_marks(text, headline)
    return Hit(
        kind=kind, source_id=source_id, day=day, title=title, snippet=snippet, marks=marks,
        url=url, language=language, rank=float(rank), title_hit=bool(title_hit),
        article_id=article_id, cluster_id=cluster_id,
    )  # fmt: skip


def snippet_marks(text: str, headline: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``ts_headline``'s excerpt of the folded text, mapped back onto the original letters
    (folding keeps every offset), whitespace collapsed, markers turned into offsets."""
    plain = headline.replace(START, "").replace(STOP, "")
    at = text.translate(FOLD).find(plain)
    source = text[at : at + len(plain)] if at >= 0 else plain
    segments, i = [], 0  # (text, marked) in order, read off the marked headline
    for piece in re.split(f"({START}.*?{STOP})", headline):
        inner = piece.startswith(START)
        n = len(piece) - (2 if inner else 0)
        segments.append((source[i : i + n], inner))
        i += n
    out, marks, length = [], [], 0
    for chunk, inner in segments:
        chunk = re.sub(r"\s+", " ", chunk)
        if length == 0:
            chunk = chunk.lstrip()
        if inner and chunk:
            marks.append((length, length + len(chunk)))
        out.append(chunk)
        length += len(chunk)
    return "".join(out).rstrip(), tuple(marks)


def format_hits(hits: list[Hit], *, title_chars: int = 60, snippet_chars: int = 100) -> str:
    """Hits as a plain-text table (outlet, local day, title, snippet, URL), matched words in
    ``[...]``; titles and snippets shortened to about ``title_chars``/``snippet_chars``
    characters (a snippet around its first match)."""
    if not hits:
        return "(no hits)"
    lines = [("outlet", "day", "title", "snippet", "url")]
    for h in hits:
        lines.append((
            h.source_id, h.day.isoformat() if h.day else "", _shorten(h.title, title_chars),
            _shorten_marked(h, snippet_chars), h.url,
        ))  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join(
        "  ".join([*(v.ljust(w) for v, w in zip(line[:4], widths, strict=True)), line[4]])
        for line in lines
    )


def _shorten(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _shorten_marked(hit: Hit, chars: int) -> str:
    """The marked snippet cut to about ``chars`` characters, starting a little before the
    first match."""
    text = hit.marked_snippet()
    if len(text) <= chars:
        return text
    start = max(0, text.find("[") - chars // 4) if hit.marks else 0
    cut = text[start : start + chars]
    return ("…" if start else "") + cut.rstrip() + ("…" if start + chars < len(text) else "")
