"""Per-fixture-feed table: items loaded or the feed refused, and why.

    .venv/bin/python bench/feeds_report.py [FIXTURES] [--markdown]

FIXTURES defaults to ``$MEDIAMON_REAL_FIXTURES`` or ../shared/fixtures/real. Every ``feed`` row
of its MANIFEST.tsv goes through :func:`mediamon.parse.feed.parse_feed` (source zone
Asia/Almaty): the table gives items loaded, entries skipped, items whose date was missing or
assumed in the source zone, the encoding read, and the refusal or bozo reason.
"""

from __future__ import annotations

import argparse
import csv
import os
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
UNESCAPE = {"\\\\": "\\", "\\t": "\t", "\\r": "\r", "\\n": "\n"}


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        pair = value[i : i + 2]
        if pair in UNESCAPE:
            out.append(UNESCAPE[pair])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def feed_rows(root: Path) -> list[dict]:
    with open(root / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        rows = [dict(zip(header, map(_unescape, r), strict=False)) for r in reader]
    return [r for r in rows if r["kind"] == "feed"]


def report(root: Path) -> list[dict]:
    from mediamon.parse.feed import parse_feed

    source = SimpleNamespace(id="fixture", timezone="Asia/Almaty", languages=("ru", "kk"))
    fetched_at = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for row in feed_rows(root):
        body = (root / row["local_path"]).read_bytes()
        result = parse_feed(
            body, "https://fixtures.invalid/feed", source=source, list_id="feed",
            fetched_at=fetched_at,
        )  # fmt: skip
        heads = result.headlines
        skipped_why = sorted({s["reason"] for s in result.skipped})
        if result.refused_reason:
            verdict = "refused"
        elif heads:
            verdict = "loaded"
        elif result.skipped:
            verdict = "entries quarantined"
        else:
            verdict = "refused: no items"  # the pipeline quarantines it as a page
        notes = [w for w in result.warnings if not w.startswith("entry ")] + skipped_why
        out.append(
            {
                "feed": row["local_path"],
                "verdict": verdict,
                "items": len(heads),
                "skipped": len(result.skipped),
                "no_date": sum(h["published_at"] is None for h in heads),
                "zone_assumed": sum(bool(h.get("published_at_assumed_zone")) for h in heads),
                "encoding": result.feed.get("encoding", ""),
                "why": result.refused_reason or "; ".join(notes)[:120],
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    default = os.environ.get("MEDIAMON_REAL_FIXTURES") or ROOT.parent / "shared/fixtures/real"
    parser.add_argument("fixtures", nargs="?", type=Path, default=Path(default))
    args = parser.parse_args()
    rows = report(args.fixtures)
    cols = ["feed", "verdict", "items", "skipped", "no_date", "zone_assumed", "encoding", "why"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]).replace("|", "/") for c in cols) + " |")
    counts = {v: sum(r["verdict"] == v for r in rows) for v in dict.fromkeys(
        r["verdict"] for r in rows)}  # fmt: skip
    items = sum(r["items"] for r in rows)
    skipped = sum(r["skipped"] for r in rows)
    print(f"\n{len(rows)} feeds: {counts}; {items} items loaded, {skipped} entries quarantined")


if __name__ == "__main__":
    main()
