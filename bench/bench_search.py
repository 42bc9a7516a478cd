"""Full-text search over N generated articles: query latency (p50/p95) and the index sizes.

    .venv/bin/python bench/bench_search.py [--n 1000000] [--repeat 5] [--quick]

Articles are generated (seeded, same input every run) straight into a scratch warehouse with
``COPY`` (migration 0008's generated ``search_tsv`` is computed as the rows arrive; the GIN
indexes are dropped first and built after, as a bulk load would): 55 % Russian, 35 % Kazakh,
10 % English, spread over 20 sources and 365 days. Each has an 8-word title and a 120-word
body (about 900 characters; real bodies are about 2,500) of Zipf-distributed pseudo-words,
with planted terms in their inflected forms (Астана/Астаны/в Астане, Тоқаев/Тоқаевтың/...,
pipeline/pipelines) at fixed rates, from 6 % of the articles (a common word) down to 0.1 % (a
rare one), some in titles. Headlines: N/2, half of them the title of an article (the search
skips those: their article answers), half list-only.

Measured: rows/s of the COPY (the vectors are computed in it) and the GIN build time; the
sizes of the table (heap, TOAST and indexes) and of each GIN index (``pg_relation_size``);
and the wall time of :func:`mediamon.search.search` (limit 20, no filter: every language)
for word, phrase and prefix queries in each language, each run ``--repeat`` times after one
warm-up: p50 and p95 over all runs, and p50 per kind. Target (issue 17): p95 at most 1 s at
1,000,000 articles (the machine is shared: figures are indicative). Writes
``bench/results/search.json``. ``--quick``: 3,000 articles, 2 repeats; ``--explain QUERY``
prints that query's plan (EXPLAIN ANALYZE) at the end.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, save, scratch_database  # noqa: E402

TARGET_P95_MS = 1000.0
FIRST_DAY = date(2024, 1, 1)
SOURCES = 20
LANGUAGES = (("ru", 0.55), ("kk", 0.35), ("en", 0.10))
ALPHABET = {
    "ru": ("бвгджзклмнпрстфхцчшщ", "аеиоуыэюя"),
    "kk": ("бгджзклмнпрстшқғң", "аеиоұүыіәө"),
    "en": ("bcdfghklmnprstvw", "aeiou"),
}
# planted terms: (forms, share of the language's articles holding one form in the body,
# share holding it in the title)
PLANTED = {
    "ru": [
        (["бюджет", "бюджета", "бюджету", "бюджетом"], 0.06, 0.01),
        (["Астана", "Астаны", "Астане", "Астану"], 0.02, 0.004),
        (["Токаев", "Токаева", "Токаеву", "Токаевым"], 0.01, 0.003),
        (["Каспийский трубопровод", "Каспийского трубопровода"], 0.002, 0.0005),
        (["маслихат", "маслихата", "маслихатом"], 0.005, 0.001),
    ],
    "kk": [
        (["Тоқаев", "Тоқаевтың", "Тоқаевқа", "Тоқаевты", "Тоқаевпен"], 0.01, 0.003),
        (["Астана", "Астанада", "Астанадан", "Астанаға"], 0.02, 0.004),
        (["жаңа кітапхана", "жаңа кітапханада"], 0.002, 0.0005),
        (["Қазақстан", "Қазақстанның", "Қазақстанда"], 0.06, 0.01),
    ],
    "en": [
        (["pipeline", "pipelines"], 0.01, 0.002),
        (["Caspian pipeline", "Caspian pipelines"], 0.002, 0.0005),
        (["budget", "budgets", "budgeted"], 0.06, 0.01),
    ],
}
QUERIES = [
    ("ru", "word", "бюджет"), ("ru", "word", "Астана"), ("ru", "word", "Токаев"),
    ("ru", "phrase", '"Каспийский трубопровод"'), ("ru", "prefix", "маслих*"),
    ("ru", "word", "бюджет Астана"),
    ("kk", "word", "Тоқаев"), ("kk", "word", "Қазақстан"),
    ("kk", "phrase", '"жаңа кітапхана"'), ("kk", "prefix", "кітап*"),
    ("en", "word", "pipeline"), ("en", "phrase", '"Caspian pipeline"'), ("en", "prefix", "budg*"),
]  # fmt: skip
COLUMNS = (
    "canonical_url", "url", "source_id", "title", "authors_status", "published_at",
    "published_day", "language", "body_text", "parser_version", "first_seen", "last_seen",
)  # fmt: skip


def vocabulary(seed: int, language: str, size: int = 20_000) -> np.ndarray:
    """``size`` distinct pseudo-words of 2 to 4 syllables in the language's letters."""
    rng = random.Random(f"{seed}-{language}")
    consonants, vowels = ALPHABET[language]
    words: set[str] = set()
    while len(words) < size:
        n = rng.randint(2, 4)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(n)))
    return np.array(sorted(words), dtype=object)


def zipf_p(size: int) -> np.ndarray:
    p = 1.0 / np.arange(1, size + 1)
    return p / p.sum()


def generate(n: int, seed: int = 1):
    """Yield (language, title, body) for ``n`` articles."""
    rng = np.random.default_rng(seed)
    vocab = {lang: vocabulary(seed, lang) for lang, _ in LANGUAGES}
    p = zipf_p(20_000)
    langs = rng.choice([lang for lang, _ in LANGUAGES], size=n, p=[s for _, s in LANGUAGES])
    for start in range(0, n, 10_000):
        picks = rng.choice(20_000, size=(min(10_000, n - start), 128), p=p)
        yield from _articles(rng, vocab, langs[start : start + len(picks)], picks)


def _articles(rng, vocab, langs, picks):
    for lang, pick in zip(langs, picks, strict=True):
        words = vocab[lang][pick]
        title, body = list(words[:8]), list(words[8:])
        for forms, in_body, in_title in PLANTED[lang]:
            if rng.random() < in_body:
                body[int(rng.integers(len(body)))] = forms[int(rng.integers(len(forms)))]
            if rng.random() < in_title:
                title[int(rng.integers(len(title)))] = forms[int(rng.integers(len(forms)))]
        title[0] = title[0].capitalize()
        sentences = [" ".join(body[i : i + 12]).capitalize() + "." for i in range(0, 120, 12)]
        yield lang, " ".join(title), " ".join(sentences)


def copy_rows(conn, n: int, maintenance_mem: str = "512MB") -> tuple[float, float]:
    """COPY n articles and n/2 headlines; returns (seconds in the articles' COPY, GIN build
    seconds).

    Memory stays flat in ``n``: articles and headlines are COPYed ~8 MB at a time, each chunk
    committed (a 1,000,000-article load is ~2,200 chunks, with a progress line every 100,000
    articles on stderr). The GIN indexes are built with ``maintenance_work_mem`` =
    ``maintenance_mem`` (the server default, 64 MB, makes the build spill at 1,000,000).
    """
    with conn.cursor() as cur:
        cur.execute(
            "insert into sources (id, name, homepage, languages, timezone, first_year) "
            "select 's' || i, 'Source ' || i, 'https://s' || i || '.example/', "
            "'{ru,kk,en}', 'Asia/Almaty', 2000 from generate_series(0, %s) i",
            (SOURCES - 1,),
        )
        cur.execute("drop index articles_search; drop index headlines_search")
    conn.commit()
    copy_s, started = 0.0, time.perf_counter()
    articles, headlines, cur = io.StringIO(), io.StringIO(), conn.cursor()
    for i, (lang, title, body) in enumerate(generate(n)):
        day = FIRST_DAY + timedelta(days=i % 365)
        at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC).isoformat()
        url = f"https://s{i % SOURCES}.example/news/{i}"
        fields = (url, url, f"s{i % SOURCES}", title, "absent", at, day.isoformat(), lang,
                  body, "bench", at, at)  # fmt: skip
        articles.write("\t".join(fields) + "\n")
        if i % 2 == 0:  # half of them also seen on a list; every fourth list-only
            list_url = url if i % 4 == 0 else url + "?list-only"
            headlines.write(f"s{i % SOURCES}\trss\tfeed\t{list_url}\t{list_url}\t{title}\t"
                            f"{day.isoformat()}\t{day.isoformat()}\t{lang}\n")  # fmt: skip
        if articles.tell() > 8_000_000:
            copy_s += _flush(cur, articles, headlines)
            conn.commit()
            articles, headlines = io.StringIO(), io.StringIO()
        if (i + 1) % 100_000 == 0:
            print(f"  {i + 1:,} articles in {time.perf_counter() - started:.0f} s "
                  f"(COPY {copy_s:.0f} s)", file=sys.stderr, flush=True)  # fmt: skip
    copy_s += _flush(cur, articles, headlines)
    conn.commit()
    t0 = time.perf_counter()
    cur.execute("set maintenance_work_mem = %s", (maintenance_mem,))
    cur.execute("create index articles_search on articles using gin (search_tsv)")
    cur.execute("create index headlines_search on headlines using gin (search_tsv)")
    conn.commit()
    gin_s = time.perf_counter() - t0
    conn.autocommit = True
    cur.execute("vacuum analyze articles")
    cur.execute("vacuum analyze headlines")
    conn.autocommit = False
    cur.close()
    return copy_s, gin_s


def _flush(cur, articles: io.StringIO, headlines: io.StringIO) -> float:
    """COPY the buffered articles, then headlines; returns the seconds the articles' COPY
    took (the generation and the headlines are not counted)."""
    articles.seek(0)
    t0 = time.perf_counter()
    cur.copy_expert(f"copy articles ({', '.join(COLUMNS)}) from stdin", articles)
    took = time.perf_counter() - t0
    headlines.seek(0)
    cur.copy_expert(
        "copy headlines (source_id, list_id, list_kind, canonical_url, url, title, "
        "first_seen_day, last_seen_day, language) from stdin",
        headlines,
    )
    return took


def sizes(conn) -> dict[str, float]:
    """MiB: the articles table (heap, TOAST, every index), each GIN index, headlines."""
    with conn.cursor() as cur:
        cur.execute(
            "select pg_relation_size('articles'), pg_total_relation_size('articles'), "
            "pg_relation_size('articles_search'), pg_relation_size('headlines_search'), "
            "pg_total_relation_size('headlines'), "
            "(select sum(pg_column_size(search_tsv))::bigint from articles), "
            "(select sum(pg_column_size(body_text))::bigint from articles)"
        )
        names = ("articles_heap", "articles_total", "articles_gin", "headlines_gin",
                 "headlines_total", "articles_tsv_columns", "articles_body_columns")  # fmt: skip
        values = cur.fetchone()
    conn.commit()
    return {k: (v or 0) / 2**20 for k, v in zip(names, values, strict=True)}


def time_queries(conn, repeat: int) -> tuple[list[float], dict, dict]:
    from mediamon.search import search

    times, by_kind, hits = [], {}, {}
    for lang, kind, query in QUERIES:
        found = search(conn, query)  # warm-up
        hits[f"{lang} {query}"] = len(found)
        for _ in range(repeat):
            t0 = time.perf_counter()
            search(conn, query)
            ms = (time.perf_counter() - t0) * 1000
            times.append(ms)
            by_kind.setdefault(f"{lang}_{kind}", []).append(ms)
        conn.rollback()
    return times, by_kind, hits


def explain(conn, query: str) -> str:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of the statement :func:`mediamon.search.search` runs."""
    from mediamon import search

    queries = search.build_queries(conn, search.parse_query(query))
    params = {f"q_{k or 'other'}": q for k, q in queries.items()}
    params.update(first=None, last=None, sources=None, languages=None, limit=20,
                  fold_from=search.FOLD_FROM, fold_to=search.FOLD_TO)  # fmt: skip
    with conn.cursor() as cur:
        cur.execute("explain (analyze, buffers) " + search._sql(queries), params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    conn.rollback()
    return plan


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--explain", metavar="QUERY", help="also print this query's plan")
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeat = 3_000, 2
    with scratch_database("mediamon_bench_search") as url:
        conn = psycopg2.connect(url)
        copy_s, gin_s = copy_rows(conn, args.n)
        size = sizes(conn)
        times, by_kind, hits = time_queries(conn, args.repeat)
        if args.explain:
            print(explain(conn, args.explain))
        conn.close()
    n = args.n
    print(f"{n:,} articles: COPY {copy_s:.1f} s, GIN build {gin_s:.1f} s; hits per query "
          f"(limit 20): {hits}")  # fmt: skip
    at_scale = n >= 1_000_000
    out = [
        row("search", "query_p50", statistics.median(times), "ms"),
        row("search", "query_p95", p95(times), "ms", limit=TARGET_P95_MS,
            ratio=p95(times) / TARGET_P95_MS,
            target=f"<= {TARGET_P95_MS:g} ms at 1,000,000 articles",
            met=p95(times) <= TARGET_P95_MS if at_scale else None),
        *(row("search", f"p50_{k}", statistics.median(v), "ms") for k, v in by_kind.items()),
        row("search", "articles", n, "articles"),
        row("search", "copy_articles_per_s", n / copy_s, "articles/s"),
        row("search", "gin_build", gin_s, "s"),
        *(row("search", f"size_{k}", v, "MiB") for k, v in size.items()),
    ]  # fmt: skip
    save("search", out, quick=args.quick)


if __name__ == "__main__":
    main()
