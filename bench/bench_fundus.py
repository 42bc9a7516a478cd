"""Per-field accuracy of our article extractor and trafilatura on fundus's per-publisher pages.

    MEDIAMON_FUNDUS=/path/to/fundus .venv/bin/python bench/bench_fundus.py \\
        [--quick] [--misses] [--held-out]

``MEDIAMON_FUNDUS`` names a local copy of the fundus repository (flairNLP/fundus); nothing is
fetched. Its ``tests/resources/parser/test_data/<country>/`` holds real article pages
(``<Publisher>_<date>.html.gz``), fundus's reviewed output per publisher (``<Publisher>.json``:
one entry per parser version, ``V1``, ``V1_1``, ... in the order of the pages' crawl dates)
and ``meta.info`` (each page's URL and crawl date). Neither pages nor gold are copied here.

Both extractors run on every page (ours with the page URL, a source in the country's zone
and the crawl date as the fetch time). Printed per country and in total, as given and
adjudicated:

- ``title``: equal after :func:`bench_extraction.norm_title`, or token F1 >= 0.8 (``title
  exact``: the first test alone).
- ``authors``: the exact set of names (case- and punctuation-insensitive), and name P/R/F1
  micro-averaged over pages; pages whose gold has no ``authors`` are left out.
- ``day``: the publication day (the gold's own offset, else the country's zone);
  ``±1 h``: the publication instant within an hour, on gold dates that carry a time (a naive
  midnight is a day only). trafilatura gives a day only.
- ``body F1``: bag-of-words token F1 against fundus's body (summary, section headlines and
  paragraphs).
- ``pages/s``: pages per wall second of the extractor alone (decompression included).

The countries ``de``, ``us`` and ``uk`` are for development: the default run scores them, and
``--misses`` lists our misses per field there. The other countries are an independent check
kept apart: ``--held-out`` scores them instead and prints their aggregate only (never a
country or a page; ``--misses`` is refused with it).

fundus's gold is its own parsers' output and can be wrong; ``bench/fundus_errata.tsv`` (the
shape of ``bench/gold_errata.tsv``) names, for dev pages, the page element that holds the
true value. Results go to ``bench/results/fundus.json`` (``fundus_heldout.json`` with
``--held-out``); ``--quick`` runs two pages of each dev country. Without the data the script
says so and exits 0 having written nothing.

This is a benchmark, not a test: nothing asserts; the numbers go in reports.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, save  # noqa: E402
from _common import row as result_row  # noqa: E402
from bench_extraction import (  # noqa: E402
    adjudicate,
    extract_all,
    joined_words,
    norm_name,
    norm_title,
    ours,
    read_errata,
    same_day,
    token_f1,
    token_prf,
    trafilatura_fields,
)

ENV = "MEDIAMON_FUNDUS"
TEST_DATA = Path("tests") / "resources" / "parser" / "test_data"
ERRATA = ROOT / "bench" / "fundus_errata.tsv"
DEV = ("de", "us", "uk")
# the fundus country folders' zone and language (a multi-zone country: its capital's zone)
COUNTRIES = {
    "at": ("Europe/Vienna", "de"), "au": ("Australia/Sydney", "en"),
    "be": ("Europe/Brussels", "nl"), "ca": ("America/Toronto", "en"),
    "ch": ("Europe/Zurich", "de"), "cn": ("Asia/Shanghai", "zh"),
    "cz": ("Europe/Prague", "cs"), "de": ("Europe/Berlin", "de"),
    "dk": ("Europe/Copenhagen", "da"), "es": ("Europe/Madrid", "es"),
    "fr": ("Europe/Paris", "fr"), "gl": ("America/Nuuk", "kl"),
    "id": ("Asia/Jakarta", "id"), "il": ("Asia/Jerusalem", "he"),
    "ind": ("Asia/Kolkata", "en"), "isl": ("Atlantic/Reykjavik", "is"),
    "it": ("Europe/Rome", "it"), "jp": ("Asia/Tokyo", "ja"), "kr": ("Asia/Seoul", "ko"),
    "lb": ("Asia/Beirut", "ar"), "li": ("Europe/Vaduz", "de"), "ls": ("Africa/Maseru", "en"),
    "lt": ("Europe/Vilnius", "lt"), "lu": ("Europe/Luxembourg", "de"),
    "mx": ("America/Mexico_City", "es"), "my": ("Asia/Kuala_Lumpur", "ms"),
    "na": ("Africa/Windhoek", "en"), "no": ("Europe/Oslo", "no"), "pl": ("Europe/Warsaw", "pl"),
    "pt": ("Europe/Lisbon", "pt"), "py": ("America/Asuncion", "es"),
    "ru": ("Europe/Moscow", "ru"), "se": ("Europe/Stockholm", "sv"),
    "tr": ("Europe/Istanbul", "tr"), "tw": ("Asia/Taipei", "zh"),
    "tz": ("Africa/Dar_es_Salaam", "sw"),
    "ua": ("Europe/Kyiv", "uk"), "uk": ("Europe/London", "en"), "us": ("America/New_York", "en"),
    "vn": ("Asia/Ho_Chi_Minh", "vi"), "za": ("Africa/Johannesburg", "en"),
}  # fmt: skip
# the crawl date is the crawler's local clock, zone unknown: read it as the latest instant it
# can mean, so that no true publication date is refused as later than the fetch
CRAWL_CLOCK = timezone(timedelta(hours=-12))
TITLE_F1 = 0.8
BODY_MISS = 0.9  # --misses lists bodies under this token F1
TARGETS = {"title": 0.95, "authors exact": 0.93, "name F1": 0.95, "body F1": 0.96}
EXTRACTORS = (("mediamon", ours), ("trafilatura", trafilatura_fields))
GIVES_INSTANTS = {"mediamon"}  # trafilatura gives a day only: its ±1 h is n/a


def fundus_root() -> Path | None:
    """The test data folder of the fundus copy named by ``MEDIAMON_FUNDUS``, or None."""
    value = os.environ.get(ENV)
    if not value:
        return None
    folder = Path(value) / TEST_DATA
    return folder if folder.is_dir() else None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", name))


def body_text(body: dict | None) -> str | None:
    """fundus's serialized ArticleBody as text (summary, then each section's headline and
    paragraphs), or None when it has no text."""
    if not body:
        return None
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    text = "\n\n".join(parts)
    return text if text.strip() else None


def gold_date(value: str | None) -> str | None:
    """A gold date as ISO 8601: fundus's ``2024-04-22 15:26:46+00:00`` or an erratum's
    day-first ``06.01.2026``."""
    if not value:
        return None
    day_first = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value.strip())
    if day_first:
        day, month, year = map(int, day_first.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    return value.replace(" ", "T", 1)


def country_rows(root: Path, country: str) -> list[dict]:
    """The scored rows of one country folder: one per page, with its gold (``gold_title``,
    ``gold_authors`` (None when fundus gives no authors), ``gold_date`` (ISO), ``gold_body``).

    Raises ValueError when a publisher's page count differs from its gold versions."""
    folder = root / country
    meta = json.loads((folder / "meta.info").read_text(encoding="utf-8"))
    zone, language = COUNTRIES.get(country, ("UTC", "en"))
    pages: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*.html.gz")):
        pages.setdefault(path.name.rsplit("_", 3)[0], []).append(path)
    rows = []
    for publisher, paths in sorted(pages.items()):
        gold = json.loads((folder / f"{publisher}.json").read_text(encoding="utf-8"))
        versions = sorted(gold, key=_version_key)
        if len(versions) != len(paths):
            raise ValueError(f"{country}/{publisher}: {len(paths)} pages, versions {versions}")
        paths.sort(key=lambda p: meta[p.name]["crawl_date"])
        for path, version in zip(paths, versions, strict=True):
            want = gold[version]
            crawled = datetime.fromisoformat(meta[path.name]["crawl_date"])
            rows.append({
                "path": path, "name": f"{country}/{path.name}", "country": country,
                "url": meta[path.name]["url"], "zone": zone, "language": language,
                "fetched_at": crawled if crawled.tzinfo else crawled.replace(tzinfo=CRAWL_CLOCK),
                "gold_title": want.get("title") or None,
                "gold_authors": list(want["authors"]) if "authors" in want else None,
                "gold_date": gold_date(want.get("publishing_date")),
                "gold_body": body_text(want.get("body")),
            })  # fmt: skip
    return rows


# ------------------------------------------------------------------ scoring


@dataclass
class PageScore:
    """One extractor's answer on one page, field by field (None: the field is not scored)."""

    title: bool | None = None
    title_exact: bool | None = None
    authors_exact: bool | None = None
    names: tuple[int, int, int] = (0, 0, 0)  # true positives, found, gold
    day: bool | None = None
    instant: bool | None = None
    body: tuple[float, float, float] | None = None  # token P, R, F1


def _instant_ok(gold: str, found, zone: str) -> bool | None:
    """Within an hour of the gold instant; None when the gold is a day only (a naive
    midnight)."""
    want = datetime.fromisoformat(gold)
    if want.tzinfo is None and want.time() == datetime.min.time():
        return None
    if found is None:
        return False
    want = want if want.tzinfo else want.replace(tzinfo=ZoneInfo(zone))
    found = found if found.tzinfo else found.replace(tzinfo=ZoneInfo(zone))
    return abs(found - want) <= timedelta(hours=1)


def score_page(row: dict, got: dict, instants: bool = True) -> PageScore:
    """Score one extractor output (``title``, ``authors``, ``date``, ``body``) against a row;
    ``instants`` False for an extractor that gives a day only (no ±1 h)."""
    out = PageScore()
    if row["gold_title"]:
        exact = norm_title(got.get("title")) == norm_title(row["gold_title"])
        out.title_exact = exact
        out.title = exact or token_f1(got.get("title"), row["gold_title"]) >= TITLE_F1
    if row["gold_authors"] is not None:
        found = {n for n in map(norm_name, got.get("authors") or []) if n}
        gold = {n for n in map(norm_name, row["gold_authors"]) if n}
        if found != gold and joined_words(found) == joined_words(gold):
            found = gold
        out.authors_exact = found == gold
        out.names = (len(found & gold), len(found), len(gold))
    if row["gold_date"]:
        gold_day = row["gold_date"]
        if "T" not in gold_day or datetime.fromisoformat(gold_day).tzinfo is None:
            # a naive gold is a reading in the country's zone: same_day wants it as such
            gold_day = gold_day[:10]
        out.day = same_day(gold_day, got.get("date"), row["zone"])
        if instants:
            out.instant = _instant_ok(row["gold_date"], got.get("date"), row["zone"])
    if row["gold_body"] is not None:
        out.body = token_prf(got.get("body"), row["gold_body"])
    return out


def aggregate(scores: list[PageScore], seconds: float) -> dict[str, float | None]:
    """Figures over pages: shares, name P/R/F1, mean body F1, pages/s; and the counts."""

    def share(field: str) -> tuple[float | None, int]:
        hits = [getattr(s, field) for s in scores if getattr(s, field) is not None]
        return (sum(hits) / len(hits) if hits else None), len(hits)

    figures: dict = {"pages": len(scores)}
    for field, label in (("title", "title"), ("title_exact", "title exact"),
                         ("authors_exact", "authors exact"), ("day", "day"),
                         ("instant", "±1 h")):  # fmt: skip
        figures[label], figures[label + " n"] = share(field)
    tp = sum(s.names[0] for s in scores)
    found = sum(s.names[1] for s in scores)
    gold = sum(s.names[2] for s in scores)
    p = tp / found if found else 1.0
    r = tp / gold if gold else 1.0
    figures["name P"], figures["name R"] = p, r
    figures["name F1"] = 2 * p * r / (p + r) if p + r else 0.0
    bodies = [s.body[2] for s in scores if s.body is not None]
    figures["body F1"] = sum(bodies) / len(bodies) if bodies else None
    figures["body F1 n"] = len(bodies)
    figures["pages/s"] = len(scores) / seconds if seconds else None
    return figures


COLUMNS = ("title", "title exact", "authors exact", "name P", "name R", "name F1", "day",
           "±1 h", "body F1", "pages/s")  # fmt: skip


def _cell(figures: dict, column: str) -> str:
    value = figures.get(column)
    if value is None:
        return "n/a"
    if column == "pages/s":
        return f"{value:.1f}"
    counted = figures.get(column + " n")
    if counted is not None and column != "body F1":
        return f"{value:.3f} ({round(value * counted)}/{counted})"
    return f"{value:.3f}"


def print_table(lines: list[tuple[str, str, dict]]) -> None:
    """``(extractor, scope, figures)`` lines as one fixed-width table."""
    table = [("extractor", "scope", "pages", *COLUMNS)]
    for name, scope, figures in lines:
        table.append((name, scope, str(figures["pages"]), *(_cell(figures, c) for c in COLUMNS)))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def print_misses(rows: list[dict], outputs: list[dict], scores: list[PageScore]) -> None:
    """Our misses on dev pages, field by field (page, got, gold)."""
    for row, got, s in zip(rows, outputs, scores, strict=True):
        if row["country"] not in DEV:
            raise ValueError("misses are listed for the development countries only")
        name = row["name"]
        if s.title is False or s.title_exact is False:
            kind = "title miss" if s.title is False else "title near"
            print(f"  {kind} {name}: got {got.get('title')!r} gold {row['gold_title']!r}"[:260])
        if s.authors_exact is False:
            print(f"  authors miss {name}: got {got.get('authors')} gold {row['gold_authors']}")
        if s.day is False or s.instant is False:
            print(f"  date miss {name}: got {got.get('date')} gold {row['gold_date']}")
        if s.body is not None and s.body[2] < BODY_MISS:
            p, r, f1 = s.body
            print(f"  body miss {name}: F1 {f1:.3f} P {p:.3f} R {r:.3f} "
                  f"(got {len((got.get('body') or '').split())} words, gold "
                  f"{len(row['gold_body'].split())})")  # fmt: skip


def result_rows(lines: list[tuple[str, str, dict]], label: str, bench: str) -> list[dict]:
    """JSON rows; the issue-16 targets ride on ours over all the scored countries."""
    out = []
    for name, scope, figures in lines:
        for column in COLUMNS:
            value = figures.get(column)
            if value is None:
                continue
            goal = TARGETS.get(column) if name == "mediamon" and scope == "all" else None
            unit = "pages/s" if column == "pages/s" else "share"
            metric = column + ("" if column == "pages/s" else label)
            out.append(result_row(
                f"{bench} {name} [{scope}]", metric, value, unit,
                target=None if goal is None else f">= {goal:.2f}",
                met=None if goal is None else value >= goal,
            ))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two pages of each dev country")
    parser.add_argument("--misses", action="store_true", help="our misses (dev countries)")
    parser.add_argument(
        "--held-out", action="store_true", help="the other countries' aggregate, not the dev's"
    )
    args = parser.parse_args(argv)
    if args.held_out and (args.misses or args.quick):
        parser.error("--held-out prints the aggregate alone: no --misses, no --quick")
    root = fundus_root()
    if root is None:
        print(f"skipped: set {ENV} to a local copy of the fundus repository "
              f"(with {TEST_DATA}/); now {os.environ.get(ENV)!r}")  # fmt: skip
        return 0
    all_countries = sorted(p.name for p in root.iterdir() if (p / "meta.info").is_file())
    countries = [c for c in all_countries if c not in DEV] if args.held_out else list(DEV)
    rows = [r for c in countries for r in country_rows(root, c)]
    if args.quick:
        rows = [r for c in countries for r in [x for x in rows if x["country"] == c][:2]]
    print(f"{len(rows)} pages of {len(countries)} countries"
          + ("" if args.held_out else f" ({', '.join(countries)})"))  # fmt: skip
    runs = [extract_all(rows, name, fn, args.misses) for name, fn in EXTRACTORS]

    errata = [] if args.held_out else read_errata(ERRATA)
    names = {r["name"] for r in rows}
    adjudicated = adjudicate(rows, root, [e for e in errata if e["local_path"] in names])
    for fixed in adjudicated:
        fixed["gold_date"] = gold_date(fixed["gold_date"])
    bench = "fundus held-out" if args.held_out else "fundus"
    scopes = ["all"] if args.held_out else [*countries, "all"]
    saved: list[dict] = []
    for title, gold_rows, label in (
        ("gold as given by fundus", rows, ""),
        (f"gold adjudicated ({len(errata)} corrections in {ERRATA.name})", adjudicated,
         " (adjudicated)"),
    ):  # fmt: skip
        if args.held_out and label:
            continue
        print(f"\n== {title}")
        lines = []
        per_run = {}
        for run in runs:
            instants = run["name"] in GIVES_INSTANTS
            scores = [score_page(r, got, instants)
                      for r, got in zip(gold_rows, run["outputs"], strict=True)]  # fmt: skip
            per_run[run["name"]] = scores
            for scope in scopes:
                keep = [i for i, r in enumerate(gold_rows) if scope in ("all", r["country"])]
                figures = aggregate([scores[i] for i in keep],
                                    sum(run["seconds"][i] for i in keep))  # fmt: skip
                lines.append((run["name"], scope, figures))
        print_table(lines)
        saved += result_rows(lines, label, bench)
        if args.misses:
            print(f"\nour misses ({title}):")
            print_misses(gold_rows, runs[0]["outputs"], per_run["mediamon"])
    print()
    save("fundus_heldout" if args.held_out else "fundus", saved, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
