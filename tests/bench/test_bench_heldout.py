"""The held-out extraction set (bench/heldout) is self-consistent, and its bench runs (--quick).

The gold checks read only the pages and gold.tsv, never the parser: every page exists, each
half keeps its language spread, dates agree with their Almaty day and fetch time, and every
gold phrase (title, body_must, body_must_not) is printed on its page.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from support import ROOT

HELDOUT = ROOT / "bench" / "heldout"
HALVES = ("dev", "dev2", "test", "test2")
KINDS = {"", "person", "editorial", "agency", "press_service"}
ALMATY = ZoneInfo("Asia/Almaty")


def gold_rows() -> list[dict]:
    with open(HELDOUT / "gold.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def visible_text(path) -> str:
    """The page's text without scripts and styles, NFKC, whitespace collapsed."""
    tree = lxml.html.fromstring(path.read_bytes())
    for el in tree.xpath("//script | //style"):
        el.drop_tree()
    text = unicodedata.normalize("NFKC", tree.text_content())
    return re.sub(r"\s+", " ", text)


def norm(phrase: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", phrase)).strip()


def test_gold_rows_cover_four_halves_of_twenty_pages():
    rows = gold_rows()
    halves = Counter(r["path"].split("/")[0] for r in rows)
    assert halves == {half: 20 for half in HALVES}
    on_disk = {p.relative_to(HELDOUT / "pages").as_posix() for p in HELDOUT.glob("pages/*/*.html")}
    assert on_disk == {r["path"] for r in rows}
    for half in HALVES:
        langs = Counter(r["language"] for r in rows if r["path"].split("/")[0] == half)
        assert langs["ru"] >= 11 and langs["kk"] >= 6, (half, langs)
        assert sum(langs.values()) - langs["ru"] - langs["kk"] >= 1, (half, langs)


@pytest.mark.parametrize("gold", gold_rows(), ids=lambda g: g["path"])
def test_gold_row_agrees_with_its_page(gold):
    assert gold["byline_kind"] in KINDS
    assert bool(gold["authors"]) == bool(gold["byline_kind"])
    fetched = datetime.fromisoformat(gold["fetched_at"])
    assert fetched.utcoffset() is not None
    if gold["published_at"]:
        published = datetime.fromisoformat(gold["published_at"])
        assert published.utcoffset() == published.astimezone(ALMATY).utcoffset()
        assert published.astimezone(ALMATY).date().isoformat() == gold["published_local_date"]
        assert published <= fetched
        if gold["modified_at"]:
            assert published <= datetime.fromisoformat(gold["modified_at"]) <= fetched
    else:
        assert not gold["published_local_date"] and not gold["modified_at"]
    text = visible_text(HELDOUT / "pages" / gold["path"])
    assert norm(gold["title"]) in text
    phrases = [p for key in ("body_must", "body_must_not") for p in gold[key].split(" | ")]
    assert len(gold["body_must"].split(" | ")) >= 2 and len(phrases) >= 4
    for phrase in phrases:
        assert norm(phrase) in text, phrase


def test_heldout_bench_quick_reports_every_half(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_heldout.py"), "--quick",
                           "--misses"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    # checked as booleans, so that a failure does not print the held-out halves' misses
    lines = done.stdout.splitlines()
    counted = lines[0] == "held-out pages: dev 2, dev2 2, test 2, test2 2"
    assert counted, lines[0]
    columns = lines[1].split()
    assert columns[1::2] == [h for h in (*HALVES, "all") for _ in range(2)], lines[1]
    listed = "our misses (dev, dev2, test, test2):" in lines
    assert listed, "--misses listed no section for all four halves"
    rows = json.loads((ROOT / "bench" / "results" / "heldout.quick.json").read_text("utf-8"))
    by_bench: dict[str, set[str]] = {}
    for r in rows:
        by_bench.setdefault(r["benchmark"], set()).add(r["metric"])
    ours = {"title", "byline_f1", "byline_kind", "pub_day", "pub_instant", "modified", "language",
            "body_recall", "body_leak"}  # fmt: skip
    for scope in (*HALVES, "all"):
        assert ours <= by_bench[f"heldout.{scope}.ours"]
        assert {"title", "pub_day", "body_leak"} <= by_bench[f"heldout.{scope}.trafilatura"]
    assert all(0.0 <= r["value"] <= 1.0 for r in rows)
