"""Headline blocks without selectors on the real front pages with gold (zakon.kz, baribar.kz).

Scored by ``bench/bench_listing.py`` (distinct titles and canonical URLs, see its doc), so the
test and the bench count the same way. Skipped when ../shared/fixtures/real is absent. The
floor is issue 15's target; the figures measured when this was written are 1.0 on both.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from support import REAL_FIXTURES, ROOT

FLOOR = 0.90
PAGES = ("zakon.kz", "baribar.kz")


def _bench():
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(
        "bench_listing", ROOT / "bench" / "bench_listing.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def folder():
    path = REAL_FIXTURES / "kz_frontpages"
    if not all((path / f"{name}.gold.json").is_file() for name in PAGES):
        pytest.skip(f"real front pages with gold not found at {path} (set MEDIAMON_REAL_FIXTURES)")
    return path


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("default", [False, True], ids=["all blocks", "default"])
def test_precision_and_recall_on_gold(folder, name, default):
    bench = _bench()
    figures = bench.score(bench.run_page(folder, name), default)
    for kind in ("title", "url"):
        for metric in ("precision", "recall"):
            value = figures[f"{kind} {metric}"]
            assert value >= FLOOR, (name, kind, metric, figures[f"{kind} counts"])


def test_traps_of_the_gold_pages(folder):
    bench = _bench()
    zakon = bench.run_page(folder, "zakon.kz")["result"]
    titles = [h["title"] for h in zakon.headlines]
    assert len(titles) == len({h["canonical_url"] for h in zakon.headlines})  # feed printed twice
    assert not any("{" in t or "родил" in t.lower() for t in titles)
    by_title = {h["title"]: h for h in zakon.headlines}
    late = by_title["Уральские бизнесмены оштрафованы за неубранный снег"]
    early = by_title["Жертвами страшного ДТП в Индии стали 14 человек"]
    assert late["published_at"].isoformat() == "2018-03-18T00:04:00+06:00"
    assert early["published_at"].isoformat() == "2018-03-17T23:08:00+06:00"  # across midnight
    baribar = bench.run_page(folder, "baribar.kz")["result"]
    cut = [h["title"] for h in baribar.headlines if h["title"].startswith("Тоғжан")]
    assert cut == [
        "Тоғжан Дүйсенбекқызы, “Хазар” этно-фьюжн тобының мүшесі: Қылқобыздың адам психикасына "
        "әсер ететін ерекше қуаты бар"
    ]


def test_bench_quick_writes_its_rows(folder, capsys):
    assert _bench().main(["--quick"]) == 0
    rows = json.loads((ROOT / "bench" / "results" / "listing.quick.json").read_text("utf-8"))
    scored = [r for r in rows if r["target"]]
    assert len(scored) == 2 * 2 * 2 * 2  # pages x (title, url) x (precision, recall) x 2 ways
    assert all(r["met"] for r in scored)
    assert all(r["value"] >= 0.9 for r in rows if "printed dates" in r["metric"])
