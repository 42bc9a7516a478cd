"""Precision and recall of story clustering (near-duplicate headlines) on labelled real pages.

    .venv/bin/python bench/bench_duplicates.py [FIXTURES]

Items are the titles our parser extracts from every article page of
``../shared/fixtures/real`` (MANIFEST.tsv). Labelled groups come from the manifest notes: the
ScrapingHub "same-story cluster A" and "cluster B" (one story told by five outlets each) and
the uza.uz "DUPLICATE-HEADLINE group" (six pages, one of them in capitals). Every pair inside
a group is a positive; every other pair a negative (there may be unlabelled true pairs: a
"false positive" is worth a look, not necessarily a mistake). Prints pair precision, recall
and F1 of :func:`mediamon.quality.duplicates.same_story`, per-group recall, and each
predicted pair outside the labels.
"""

from __future__ import annotations

import csv
import itertools
import sys
from datetime import UTC, datetime
from pathlib import Path

from mediamon.config import Source
from mediamon.fetch.capture import manifest_url
from mediamon.parse import parse_article
from mediamon.quality.duplicates import same_story, story_key

ROOT = Path(__file__).resolve().parents[1]
GROUPS = {"same-story cluster A": "A", "same-story cluster B": "B", "DUPLICATE-HEADLINE": "uza"}


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/fixtures/real"
    with open(folder / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
                if r["kind"] == "article"]  # fmt: skip
    items = []
    for row in rows:
        url = manifest_url(row["notes"]) or f"https://fixture.invalid/{row['local_path']}"
        source = Source(id="s", name="s", homepage=url, languages=("ru",), timezone="UTC",
                        first_year=1990, hosts=())  # fmt: skip
        record = parse_article((folder / row["local_path"]).read_bytes(), url, source=source,
                               fetched_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
        group = next((g for marker, g in GROUPS.items() if marker in row["notes"]), None)
        items.append((row["local_path"], record["title"] or "", group))
    keys = [story_key(title) for _, title, _ in items]
    tp = fp = fn = 0
    found: dict[str, list[int]] = {}
    extra = []
    for (i, a), (j, b) in itertools.combinations(enumerate(items), 2):
        predicted = same_story(keys[i], keys[j])
        actual = a[2] is not None and a[2] == b[2]
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        if actual:
            found.setdefault(a[2], [0, 0])
            found[a[2]][0] += predicted
            found[a[2]][1] += 1
        if predicted and not actual:
            extra.append((a[1], b[1]))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{len(items)} article titles, {tp + fn} labelled same-story pairs")
    print(f"pairs: precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
          f"(tp {tp}, fp {fp}, fn {fn})")  # fmt: skip
    for group, (hit, total) in sorted(found.items()):
        print(f"  group {group}: {hit}/{total} pairs found")
    for a, b in extra:
        print(f"  predicted, unlabelled: {a!r} ~ {b!r}")


if __name__ == "__main__":
    main()
