"""Precision and recall of story clustering (near-duplicates) on labelled real pages.

    .venv/bin/python bench/bench_duplicates.py [FIXTURES] [--quick]

Items are the titles and bodies our parser extracts from every article page of
``../shared/fixtures/real`` (MANIFEST.tsv). Labelled groups come from the manifest notes: the
ScrapingHub "same-story cluster A" and "cluster B" (one story told by four outlets each, in
their own words) and the uza.uz "DUPLICATE-HEADLINE group" (six pages, one of them in
capitals). Every pair inside a group is a positive; every other pair a negative (there may be
unlabelled true pairs: a "false positive" is worth a look, not necessarily a mistake).

Scored three ways, each on the clusters :func:`mediamon.quality.duplicates.cluster` forms
(pairs joined through a third item count): headlines only, bodies only, and both (what the
pipeline does). Prints pair precision, recall, F1 and per-group recall, the margin between
the weakest labelled body edge and the strongest unlabelled one, and every predicted pair
outside the labels. Writes ``bench/results/duplicates.json``. ``--quick``: the first 20 pages
(a smoke test; the figures mean nothing).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from mediamon.config import Source
from mediamon.fetch.capture import manifest_url
from mediamon.parse import parse_article
from mediamon.quality import duplicates
from mediamon.quality.duplicates import Item, body_pairs, cluster

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REAL_FIXTURES, row, save  # noqa: E402

GROUPS = {"same-story cluster A": "A", "same-story cluster B": "B", "DUPLICATE-HEADLINE": "uza"}


def load_items(folder: Path, limit: int | None = None) -> list[tuple[Item, str | None]]:
    """``(Item, group label or None)`` for each article page of the fixture manifest."""
    with open(folder / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
                if r["kind"] == "article"]  # fmt: skip
    out = []
    for entry in rows[:limit]:
        url = manifest_url(entry["notes"]) or f"https://fixture.invalid/{entry['local_path']}"
        source = Source(id="s", name="s", homepage=url, languages=("ru",), timezone="UTC",
                        first_year=1990, hosts=())  # fmt: skip
        record = parse_article((folder / entry["local_path"]).read_bytes(), url, source=source,
                               fetched_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
        group = next((g for marker, g in GROUPS.items() if marker in entry["notes"]), None)
        item = Item(entry["local_path"], "s", record["title"] or "", body=record["body_text"])
        out.append((item, group))
    return out


def score(labelled: list[tuple[Item, str | None]], assigned: dict[str, str]) -> dict:
    """Pair precision / recall of ``assigned`` clusters against the labels."""
    tp = fp = fn = 0
    groups: dict[str, list[int]] = {}
    extra = []
    for (a, ga), (b, gb) in itertools.combinations(labelled, 2):
        predicted = assigned[a.key] == assigned[b.key]
        actual = ga is not None and ga == gb
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        if actual:
            groups.setdefault(ga, [0, 0])
            groups[ga][0] += predicted
            groups[ga][1] += 1
        if predicted and not actual:
            extra.append((a.title, b.title))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "groups": groups, "extra": extra}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("fixtures", nargs="?", type=Path, default=REAL_FIXTURES)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    labelled = load_items(args.fixtures, 20 if args.quick else None)
    items = [i for i, _ in labelled]
    no_bodies = [replace(i, body=None) for i in items]
    no_titles = [replace(i, title="") for i in items]
    runs = {
        "headlines": score(labelled, cluster(no_bodies)),
        "bodies": score(labelled, cluster(no_titles)),
        "both": score(labelled, cluster(items)),
    }
    # the margin of the body rule: its weakest labelled edge vs its strongest unlabelled one
    group = {i.key: g for i, g in labelled}
    with mock.patch.object(duplicates, "BODY_THRESHOLD", 0.0):
        edges = list(body_pairs(items, exhaustive=True))
    labels = [group[i.key] for i in items]
    same = [v for a, b, v in edges if labels[a] and labels[a] == labels[b]]
    other = [v for a, b, v in edges if not (labels[a] and labels[a] == labels[b])]

    print(f"{len(items)} article pages, {runs['both']['tp'] + runs['both']['fn']} labelled "
          f"same-story pairs")  # fmt: skip
    print(f"{'rule':10s} {'precision':>9s} {'recall':>7s} {'F1':>6s}   per group (pairs found)")
    for name, r in runs.items():
        per = "  ".join(f"{g} {hit}/{total}" for g, (hit, total) in sorted(r["groups"].items()))
        print(f"{name:10s} {r['precision']:9.3f} {r['recall']:7.3f} {r['f1']:6.3f}   {per}")
    if same and other:
        print(
            f"body cosine: labelled pairs {min(same):.3f}..{max(same):.3f}, strongest "
            f"unlabelled pair {max(other):.3f}, threshold {duplicates.BODY_THRESHOLD}"
        )
    for a, b in runs["both"]["extra"]:
        print(f"  predicted, unlabelled: {a!r} ~ {b!r}")

    rows = [
        row(f"duplicates.{name}", metric, r[metric], "fraction")
        for name, r in runs.items()
        for metric in ("precision", "recall")
    ]
    save("duplicates", rows, quick=args.quick)


if __name__ == "__main__":
    main()
