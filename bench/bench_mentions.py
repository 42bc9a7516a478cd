"""Watchlist evaluation of one source-day: wall time over N generated articles, and the
planted mentions found.

    .venv/bin/python bench/bench_mentions.py [--articles 2000] [--repeat 3] [--quick]

One source-day of ``--articles`` articles (seeded, same input every run; 60 % Russian, 40 %
Kazakh; a 10-word title and a 300-word body of about 2,400 characters, the length of a real
Kazakhstan news body) is loaded with the real loader (:func:`mediamon.load.loader.load_batch`,
fetch rows included) into a scratch warehouse; planted forms of the packaged watchlist's terms
(Тоқаев/Тоқаевтың/Тоқаевқа in Kazakh bodies, Токаева/Астане/Астаны in Russian ones) sit in
a known share of the articles. Measured: :func:`mediamon.mentions.evaluate_day` (every term of
the packaged watchlist, no alert), each run ``--repeat`` times (the first run writes the
rows, the next ones rewrite the same rows: the daily re-run), as seconds per 1,000 articles;
and the planted occurrences found against those planted (must be all: ``recall``). Target:
a day of 1,000 articles of one outlet under 5 s (the whole registry's 58 outlets then stay
within minutes). Writes ``bench/results/mentions.json``; ``--quick``: 200 articles, 1 run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, save, scratch_database  # noqa: E402

DAY = date(2024, 9, 8)
TARGET_S_PER_1000 = 5.0
PLANTED = {  # language: [(term, form)], each in 5 % of that language's articles
    "ru": [("tokayev", "Токаева"), ("astana", "Астане"), ("astana", "Астаны")],
    "kk": [("tokayev", "Тоқаевтың"), ("tokayev", "Тоқаевқа"), ("astana", "Астанада")],
}
SYLLABLES = {
    "ru": ("ра", "но", "ли", "ве", "ко", "ст", "мы", "ду", "пе", "зо"),
    "kk": ("қа", "ны", "ле", "ру", "ба", "ті", "ғы", "шо", "ме", "үл"),
}


def words(rng: random.Random, lang: str, n: int) -> list[str]:
    parts = SYLLABLES[lang]
    return ["".join(rng.choice(parts) for _ in range(rng.randint(2, 4))) for _ in range(n)]


def generate(n: int, seed: int = 17) -> tuple[list[dict], dict[str, int]]:
    """``n`` articles and the planted occurrences per term."""
    rng = random.Random(seed)
    at = datetime(2024, 9, 8, 6, 0, tzinfo=UTC)
    articles, planted = [], {}
    for i in range(n):
        lang = "ru" if rng.random() < 0.6 else "kk"
        body = words(rng, lang, 300)
        for term, form in PLANTED[lang]:
            if rng.random() < 0.05:
                body.insert(rng.randrange(len(body)), form)
                planted[term] = planted.get(term, 0) + 1
        url = f"https://bench.kz/{i}"
        articles.append({
            "url": url, "canonical_url": url, "title": " ".join(words(rng, lang, 10)).title(),
            "authors": [], "authors_status": "absent", "published_at": at, "modified_at": None,
            "fetched_at": at, "language": lang, "body_text": " ".join(body) + ".",
            "parser_version": "bench",
        })  # fmt: skip
    return articles, planted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny input (smoke test)")
    args = parser.parse_args()
    n, repeat = (200, 1) if args.quick else (args.articles, args.repeat)

    from mediamon.config import Source
    from mediamon.config.watchlist import PACKAGED_WATCHLIST, load_watchlist
    from mediamon.load.loader import load_batch
    from mediamon.mentions import evaluate_day
    from mediamon.search import parse_query

    source = Source(id="bench", name="bench", homepage="https://bench.kz/",
                    languages=("ru", "kk"), timezone="Asia/Almaty", first_year=2000,
                    hosts=("bench.kz",))  # fmt: skip
    watchlist = load_watchlist(PACKAGED_WATCHLIST, check_query=parse_query)
    articles, planted = generate(n)
    fetches = [
        {"url": a["url"], "kind": "article", "list_id": None, "status": 200, "error": None,
         "bytes": 1, "sha256": None, "content_type": "text/html", "fetched_at": a["fetched_at"],
         "warc_path": "bench.warc.gz", "warc_offset": i, "elapsed_ms": 1}
        for i, a in enumerate(articles)
    ]  # fmt: skip
    with scratch_database("mediamon_bench_mentions") as url:
        conn = psycopg2.connect(url)
        load_batch(conn, source, DAY, f"mediamon_daily:{DAY}", fetches=fetches,
                   articles=articles, headlines=[], quarantine=[], dq_results=[])  # fmt: skip
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = evaluate_day(conn, DAY, ["bench"], watchlist=watchlist, alert=False)
            times.append(time.perf_counter() - started)
        with conn.cursor() as cur:
            cur.execute("select term_id, sum(count) from mentions where place <> 'title' "
                        "group by 1")  # fmt: skip
            found = dict(cur.fetchall())
        conn.close()
    per_1000 = statistics.median(times) / n * 1000
    recall = sum(min(found.get(t, 0), p) for t, p in planted.items()) / sum(planted.values())
    rows = [
        row("mentions", f"evaluate a source-day, s per 1000 articles (n={n})", per_1000, "s",
            target=f"<= {TARGET_S_PER_1000:g}", met=per_1000 <= TARGET_S_PER_1000),
        row("mentions", "mention rows written", result["mentions"], "rows"),
        row("mentions", "planted occurrences found (recall)", recall, "share", target="1.0",
            met=recall == 1.0),
        row("mentions", "extra occurrences found", sum(found.values()) - sum(planted.values()),
            "occurrences", target="0", met=sum(found.values()) == sum(planted.values())),
    ]  # fmt: skip
    save("mentions", rows, quick=args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
