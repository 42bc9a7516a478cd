"""Headline lists without selectors: precision and recall against the front-page gold.

    .venv/bin/python bench/bench_listing.py [KZ_FRONTPAGES] [--misses] [--quick]

Runs :func:`mediamon.parse.blocks.find_headlines` (no selectors, Asia/Almaty) on the real
front pages that have gold in ``../shared/fixtures/real/kz_frontpages`` (zakon.kz and
baribar.kz; the pages without gold are never read here) and scores, per page:

- ``title P/R``: our titles against the gold items' titles (NFKC, case, quotes, dashes and
  whitespace normalised). Where the gold title is cut with "..." and the gold gives the full
  text of the link's ``title`` attribute, the full text is the expected title: the product
  completes cut titles on purpose.
- ``url P/R``: our canonical URLs against the gold hrefs, made absolute against the page URL
  and canonicalised (``mediamon.text.urls``).

How the gold counts: the gold lists every headline block in page order, and the same story
can sit in several blocks (zakon.kz prints its 80-item latest feed twice; top stories repeat
feed items). The product keeps each story once (first in page order), so precision and
recall are over *distinct* titles and URLs. Each figure is given two ways:

- ``all blocks``: every gold block counts for recall.
- ``default``: gold blocks of a kind the product skips by default ("most read"/"popular"
  widgets, kept only with ``blocks: all``) are left out of recall, and a prediction that is
  only in such a block is not counted against precision. On these two pages no gold block is
  of that kind (zakon.kz's "Популярное" block is filled by JavaScript and empty in the
  snapshot), so both ways give the same figures; the split is kept for pages where it
  matters.

Per-block recall (URLs) is printed for each page; ``--misses`` lists gold items not found and
our items not in the gold. Also printed (no target): the share of gold items with a printed
date or time whose story we give with that local day or clock time. Results go to
``bench/results/listing.json`` (``--quick``: ``listing.quick.json``, the same two pages, no
per-block table). Target (issue 15): 0.90 or more for title and URL precision and recall on
both pages.
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _common import REAL_FIXTURES, save  # noqa: E402
from _common import row as result_row  # noqa: E402
from mediamon.parse.blocks import find_headlines  # noqa: E402
from mediamon.text.urls import absolute_url, canonicalize_url  # noqa: E402

ZONE = ZoneInfo("Asia/Almaty")
# page -> (URL it was saved from, capture time: from the gold's "captured" note)
PAGES = {
    "zakon.kz": ("https://www.zakon.kz/", datetime(2018, 3, 18, 19, 20, tzinfo=ZONE)),
    "baribar.kz": ("https://baribar.kz/", datetime(2018, 3, 23, 23, 0, tzinfo=ZONE)),
}
TARGET = 0.90
_MOST_READ = re.compile(r"(?i)(most.?read|popular|популярн|читаем|көп оқыл|trending)")
_QUOTES = str.maketrans({c: '"' for c in "«»“”„‟″"} | {c: "'" for c in "‘’‚‛′"}
                        | {c: "-" for c in "‐‑‒–—―"} | {"\u00a0": " ", "…": "..."})  # fmt: skip


def norm_title(text: str | None) -> str:
    """Comparison form of a title: NFKC, quotes and dashes unified, case-folded, whitespace
    collapsed, edge punctuation dropped."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES).casefold()
    return " ".join(text.split()).strip(" .,:;!?\"'-")


def expected_title(item: dict) -> str:
    title = item["title"]
    if item.get("title_attr") and title.rstrip().endswith(("...", "…")):
        return item["title_attr"]
    return title


def default_skipped(block: dict) -> bool:
    """A gold block of a kind the product skips unless configured ("most read")."""
    return bool(_MOST_READ.search(f"{block.get('kind') or ''} {block.get('heading') or ''}"))


def run_page(folder: Path, name: str) -> dict:
    url, fetched_at = PAGES[name]
    gold = json.loads((folder / f"{name}.gold.json").read_text(encoding="utf-8"))
    body = (folder / f"{name}.html").read_bytes()
    source = SimpleNamespace(id=name, name=name, timezone="Asia/Almaty", hosts=())
    listing = SimpleNamespace(id="front", selectors={})
    started = time.perf_counter()
    result = find_headlines(body, url, source=source, listing=listing, fetched_at=fetched_at)
    seconds = time.perf_counter() - started
    for item in gold["items"]:
        item["canonical"] = canonicalize_url(absolute_url(url, item["href"]) or "")
        item["expected"] = norm_title(expected_title(item))
    return {"name": name, "gold": gold, "result": result, "seconds": seconds}


def score(page: dict, default: bool) -> dict:
    """Precision and recall of distinct titles and URLs (see the module doc)."""
    gold = page["gold"]
    skipped = {b["block"] for b in gold["blocks"] if default and default_skipped(b)}
    counted = [i for i in gold["items"] if i["block"] not in skipped]
    ignored = [i for i in gold["items"] if i["block"] in skipped]
    ours = page["result"].headlines
    out = {}
    for kind, gold_key, our_key in (
        ("title", "expected", lambda h: norm_title(h["title"])),
        ("url", "canonical", lambda h: h["canonical_url"]),
    ):
        want = {i[gold_key] for i in counted}
        neutral = {i[gold_key] for i in ignored} - want
        got = [our_key(h) for h in ours]
        judged = [g for g in got if g not in neutral]
        hits = sum(g in want for g in judged)
        out[f"{kind} precision"] = hits / len(judged) if judged else 0.0
        out[f"{kind} recall"] = len(want & set(got)) / len(want) if want else 1.0
        out[f"{kind} counts"] = (hits, len(judged), len(want & set(got)), len(want))
    return out


def dates_read(page: dict) -> tuple[int, int]:
    """(gold items with a printed date or time whose story we give with that local day or
    clock time, gold items with a printed date or time), over distinct URLs."""
    ours = {h["canonical_url"]: h["published_at"] for h in page["result"].headlines}
    printed = {i["canonical"]: i["time_or_date"] for i in page["gold"]["items"]
               if i.get("time_or_date")}  # fmt: skip
    hits = 0
    for url, shown in printed.items():
        when = ours.get(url)
        local = when.astimezone(ZONE) if when else None
        if local and (local.strftime("%H:%M") in shown or local.strftime("%d.%m.%Y") in shown):
            hits += 1
    return hits, len(printed)


def per_block(page: dict) -> list[tuple[str, str, int, int]]:
    found = {h["canonical_url"] for h in page["result"].headlines}
    rows = []
    for block in page["gold"]["blocks"]:
        items = [i for i in page["gold"]["items"] if i["block"] == block["block"]]
        hit = sum(i["canonical"] in found for i in items)
        rows.append((block["block"], block.get("kind") or "", hit, len(items)))
    return rows


def print_misses(page: dict) -> None:
    gold = page["gold"]["items"]
    titles = {norm_title(h["title"]) for h in page["result"].headlines}
    urls = {h["canonical_url"] for h in page["result"].headlines}
    print(f"  misses on {page['name']} (gold items whose title or URL we did not give):")
    seen = set()
    for item in gold:
        if (item["expected"] in titles and item["canonical"] in urls) or item["canonical"] in seen:
            continue
        seen.add(item["canonical"])
        why = "title" if item["canonical"] in urls else "url"
        print(f"    [{item['block']}] {why}: {expected_title(item)!r} {item['canonical']}")
    want_titles = {i["expected"] for i in gold}
    want_urls = {i["canonical"] for i in gold}
    print(f"  extras on {page['name']} (our items not in the gold):")
    for h in page["result"].headlines:
        if norm_title(h["title"]) not in want_titles or h["canonical_url"] not in want_urls:
            print(f"    [{h['block']}] {h['title']!r} {h['canonical_url']}")


def main(argv: list[str]) -> int:
    show_misses = "--misses" in argv
    quick = "--quick" in argv
    args = [a for a in argv if not a.startswith("--")]
    folder = Path(args[0]) if args else REAL_FIXTURES / "kz_frontpages"
    missing = [n for n in PAGES if not (folder / f"{n}.gold.json").is_file()]
    if missing:
        print(f"no gold for {missing} under {folder}", file=sys.stderr)
        return 2
    pages = [run_page(folder, name) for name in PAGES]
    rows: list[dict] = []
    for page in pages:
        res = page["result"]
        print(f"== {page['name']}: {len(res.headlines)} items found, "
              f"{len(page['gold']['items'])} gold items in {len(page['gold']['blocks'])} blocks, "
              f"{page['seconds'] * 1000:.0f} ms")  # fmt: skip
        for way, default in (("all blocks", False), ("default", True)):
            figures = score(page, default)
            for kind in ("title", "url"):
                hits, judged, found, want = figures[f"{kind} counts"]
                p, r = figures[f"{kind} precision"], figures[f"{kind} recall"]
                print(f"  {way:10} {kind:5}  precision {p:.3f} ({hits}/{judged})  "
                      f"recall {r:.3f} ({found}/{want})")  # fmt: skip
                for metric, value in (("precision", p), ("recall", r)):
                    rows.append(result_row(
                        "listing", f"{page['name']} {kind} {metric} ({way})", value, "ratio",
                        target=f">= {TARGET}", met=value >= TARGET,
                    ))  # fmt: skip
        hits, printed = dates_read(page)
        print(f"  printed dates/times read: {hits}/{printed}")
        rows.append(result_row("listing", f"{page['name']} printed dates read", hits / printed
                               if printed else 1.0, "ratio"))  # fmt: skip
        if not quick:
            print("  per-block recall (URLs):")
            for block, kind, hit, total in per_block(page):
                print(f"    {hit:3}/{total:<3} {kind:28} {block}")
        if show_misses:
            print_misses(page)
        for warning in res.warnings:
            print(f"  warning: {warning}")
        print()
    save("listing", rows, quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
