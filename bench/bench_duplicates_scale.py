"""Duplicate detection over 1,000,000 generated headlines and 10,000 synthetic articles:
time and peak memory.

    .venv/bin/python bench/bench_duplicates_scale.py [--n 1000000] [--sample 10000]
                                                     [--articles 10000] [--quick]

Headlines are generated (seeded, so every run sees the same input): words drawn from a
Zipf-distributed vocabulary of Cyrillic pseudo-words (a few common words, a long tail of rare
ones, like names in real news), 5 to 12 words each. 80 % are distinct stories; 5 % are exact
reprints of one of them (another outlet, same title); 15 % are variants of one: a rubric
prefix ("Мнение: "), a site suffix (" | Outlet.kz"), an inflected ending, two words swapped,
ALL CAPS, or a word dropped. Each generated headline has the story it was made from, so
precision and recall are known.

Measured, on :func:`mediamon.quality.duplicates.cluster` (the function the pipeline calls):
wall seconds for the whole call (story keys, blocking, RapidFuzz scoring, union-find, ids);
the process's peak RSS, and its RSS before the call (the generated input); pair precision and
recall against the planted stories; and, on a random sample of ``--sample`` distinct story
keys, the share of the exhaustive comparison's matching pairs that blocking finds (what
blocking costs in recall). Target (issue 9, item 5): at most 60 s for 1,000,000 headlines.

Then ``--articles`` articles of :func:`mediamon.devtools.synth.synth_articles` (the day
``bench_e2e.py`` clusters: titles from a few phrase lists, bodies reshuffled from 64 demo
sentences, so that most leads look alike and blocks are large), titles and bodies clustered
together: wall seconds (target, issue 18: at most 10 s for 10,000 articles) and, on the
first 2,000 of them, the share of the exhaustive body comparison's pairs that blocking finds.
Writes ``bench/results/duplicates_scale.json``. ``--quick``: 10,000 headlines, 1,000 articles.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from mediamon.devtools.synth import synth_articles
from mediamon.quality.duplicates import (
    Item,
    body_pairs,
    cluster,
    sorted_key,
    story_key,
    title_pairs,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, row, save  # noqa: E402

CONSONANTS = "бвгджзклмнпрстфхцчшщ"
VOWELS = "аеиоуыэюяә"
ENDINGS = ("ами", "ого", "ской", "ному")
TARGET_S = 60.0
ARTICLES_TARGET_S = 10.0


def vocabulary(size: int, rng: random.Random) -> list[str]:
    """``size`` distinct pseudo-words of 2 to 5 syllables."""
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(2, 5)
        words.add("".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(syllables)))
    return sorted(words)


def variant(title: str, rng: random.Random) -> str:
    """A rewording of ``title`` that a reader would call the same headline."""
    words = title.split()
    how = rng.randrange(6)
    if how == 0:
        return "Мнение: " + title
    if how == 1:
        return f"{title} | Outlet{rng.randrange(100)}.kz"
    if how == 2:
        i = rng.randrange(len(words))
        words[i] += rng.choice(ENDINGS)
    elif how == 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif how == 4:
        return title.upper()
    elif len(words) > 8:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def generate(n: int, seed: int = 9) -> tuple[list[Item], list[int]]:
    """``n`` headline items and, for each, the index of the story it was made from."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    vocab = vocabulary(50_000, rng)
    n_stories = int(n * 0.8)
    # Zipf-Mandelbrot word frequencies, p(rank r) ~ 1 / (r + 20): the most common content
    # word is in about 1 headline of 20, half the words are from the 2,000 commonest
    weights = 1.0 / (np.arange(len(vocab)) + 20.0)
    ranks = nprng.choice(len(vocab), size=n_stories * 12, p=weights / weights.sum())
    lengths = nprng.integers(5, 13, size=n_stories)
    titles, story = [], []
    pos = 0
    for s in range(n_stories):
        words = [vocab[r] for r in ranks[pos : pos + lengths[s]]]
        pos += lengths[s]
        words[0] = words[0].capitalize()
        titles.append(" ".join(words))
        story.append(s)
    while len(titles) < n:
        s = rng.randrange(n_stories)
        titles.append(titles[s] if rng.random() < 0.25 else variant(titles[s], rng))
        story.append(s)
    items = [Item(f"https://gen.example/{i}", f"outlet{i % 100}", t) for i, t in enumerate(titles)]
    return items, story


def components(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """The connected component of each of ``n`` nodes joined by ``edges``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a, b = zip(*edges, strict=True) if edges else ((), ())
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1].tolist()


def pairs(counts: Counter) -> int:
    return sum(c * (c - 1) // 2 for c in counts.values())


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.n, args.sample, args.articles = 10_000, 1_000, 1_000

    t = time.perf_counter()
    items, story = generate(args.n)
    generated_s = time.perf_counter() - t
    before_mib = rss_mib()
    t, cpu = time.perf_counter(), time.process_time()
    assigned = cluster(items)
    cluster_s, cluster_cpu = time.perf_counter() - t, time.process_time() - cpu
    peak_mib = peak_rss_mb()

    labels = [assigned[i.key] for i in items]
    predicted = pairs(Counter(labels))
    true = pairs(Counter(story))
    tp = pairs(Counter(zip(labels, story, strict=True)))
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0

    # the exhaustive comparison on the keys of a random sample of stories (with their
    # reprints and variants, so that planted pairs are in it)
    rng = random.Random(1)
    distinct = {story_key(i.title) for i in items} - {""}
    chosen = set(rng.sample(range(max(story) + 1), args.sample * 4 // 5))
    sample = sorted({sorted_key(story_key(i.title)) for i, s in zip(items, story, strict=True)
                     if s in chosen} - {""})  # fmt: skip
    blocked = set(title_pairs(sample))  # fmt: skip
    exhaustive = set(title_pairs(sample, exhaustive=True))
    blocking_recall = len(blocked & exhaustive) / len(exhaustive) if exhaustive else 1.0

    n = len(items)
    rows = [
        ("cluster_wall", cluster_s, "s", TARGET_S),
        # the machine is shared: CPU seconds are what the call costs on an idle core
        ("cluster_cpu", cluster_cpu, "s", TARGET_S),
        ("headlines_per_s", n / cluster_s, "headlines/s", None),
        ("peak_rss", peak_mib, "MiB", None),
        ("rss_before_cluster", before_mib, "MiB", None),
        ("pair_precision", precision, "fraction", None),
        ("pair_recall", recall, "fraction", None),
        ("blocking_recall_vs_exhaustive", blocking_recall, "fraction", None),
    ]
    print(f"{n:,} generated headlines ({generated_s:.1f} s to generate), {len(distinct):,} "
          f"distinct story keys; {true:,} planted same-story pairs; exhaustive sample "
          f"{len(sample):,} keys ({len(exhaustive):,} matching pairs)")  # fmt: skip
    out = [
        row(
            "duplicates_scale",
            metric,
            value,
            unit,
            limit=limit,
            ratio=value / limit if limit else None,
            target=f"<= {limit:g} {unit} for {n:,} headlines" if limit else None,
            met=value <= limit if limit else None,
        )  # fmt: skip
        for metric, value, unit, limit in rows
    ]
    out += articles_rows(args.articles)
    save("duplicates_scale", out, quick=args.quick)


def articles_rows(count: int) -> list[dict]:
    """Rows for clustering ``count`` synthetic articles (titles and bodies)."""
    articles = synth_articles(count)
    items = [Item(a.url, a.host, a.title, body="\n".join(a.paragraphs)) for a in articles]
    cluster(items[:50])  # imports (scikit-learn) out of the timing: the stage pays them once
    t, cpu = time.perf_counter(), time.process_time()
    assigned = cluster(items)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    # what blocking costs: the clusters of the body rule's pairs, blocked vs every pair
    sample = items[:2000]
    blocked = [(a, b) for a, b, _ in body_pairs(sample)]
    exhaustive = [(a, b) for a, b, _ in body_pairs(sample, exhaustive=True)]
    joined, truth = components(len(sample), blocked), components(len(sample), exhaustive)
    together = pairs(Counter(truth))
    recall = pairs(Counter(zip(joined, truth, strict=True))) / together if together else 1.0
    bench = f"duplicates_scale {count:,} synthetic articles"
    clusters = len(set(assigned.values()))
    print(f"{count:,} synthetic articles: {clusters:,} clusters; body pairs on {len(sample):,}: "
          f"{len(exhaustive):,} exhaustive, {len(blocked):,} blocked")  # fmt: skip
    return [
        row(bench, "articles_cluster_wall", wall, "s", limit=ARTICLES_TARGET_S,
            ratio=wall / ARTICLES_TARGET_S, target=f"<= {ARTICLES_TARGET_S:g} s for 10,000",
            met=wall <= ARTICLES_TARGET_S),
        row(bench, "articles_cluster_cpu", cpu, "s"),
        row(bench, "body_blocking_cluster_recall_vs_exhaustive", recall, "fraction"),
    ]  # fmt: skip


if __name__ == "__main__":
    main()
