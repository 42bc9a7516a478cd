"""Smoke tests: the parser's benchmarks run on a tiny input and write their JSON rows.

No timing is asserted (numbers belong to the benchmarks); only that each runs and reports.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from support import REAL_FIXTURES, ROOT

BENCH = ROOT / "bench"
ROW_KEYS = {"benchmark", "metric", "value", "unit", "limit", "ratio", "target", "met"}


def _bench(name: str):
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(name: str) -> list[dict]:
    rows = json.loads((BENCH / "results" / f"{name}.quick.json").read_text(encoding="utf-8"))
    assert rows and all(set(r) == ROW_KEYS for r in rows)
    return rows


def test_parse_speed_quick(capsys):
    assert _bench("bench_parse_speed").main(["--quick"]) == 0
    rows = _rows("parse_speed")
    (ours,) = [r for r in rows if r["metric"].startswith("mediamon parse_article")]
    assert ours["value"] > 0 and ours["ratio"] > 0 and ours["target"] == "ratio >= 0.15"


def test_fuzz_runner_quick(capsys):
    assert _bench("fuzz_parsers").main(["--quick", "--inputs", "15"]) == 0
    rows = {(r["benchmark"], r["metric"]): r for r in _rows("fuzz_parsers")}
    assert rows[("fuzz all", "inputs")]["value"] >= 15
    assert rows[("fuzz all", "crashes")]["value"] == 0


def test_pipeline_fuzz_runner_quick(capsys):
    assert _bench("fuzz_pipeline").main(["--quick", "--inputs", "3", "--per-day", "3"]) == 0
    rows = {(r["benchmark"], r["metric"]): r for r in _rows("fuzz_pipeline")}
    assert rows[("fuzz pipeline", "inputs")]["value"] == 3
    assert rows[("fuzz pipeline", "source-days")]["value"] == 1
    assert rows[("fuzz pipeline", "failed source-days")]["value"] == 0
    assert rows[("fuzz pipeline", "exchanges fetched")]["value"] == 3


def test_extraction_quick(capsys):
    if not (REAL_FIXTURES / "MANIFEST.tsv").is_file():
        pytest.skip(f"real fixtures not found at {REAL_FIXTURES}")
    assert _bench("bench_extraction").main(["--quick"]) == 0
    rows = _rows("extraction")
    assert any(r["metric"] == "title exact" and r["target"] == ">= 0.970" for r in rows)
    assert any(r["metric"] == "title exact (adjudicated)" for r in rows)


def test_gold_errata_each_resolve_to_a_different_value():
    """Every row of bench/gold_errata.tsv names a page with gold, its selector still matches,
    and the value it reads differs from the given gold (an erratum changing nothing is stale)."""
    if not (REAL_FIXTURES / "MANIFEST.tsv").is_file():
        pytest.skip(f"real fixtures not found at {REAL_FIXTURES}")
    bench = _bench("bench_extraction")
    rows = bench.rows_with_gold(REAL_FIXTURES)
    errata = bench.read_errata()
    assert errata
    fixed = {r["name"]: r for r in bench.adjudicate(rows, REAL_FIXTURES, errata)}
    given = {r["name"]: r for r in rows}
    for erratum in errata:
        key = "gold_" + erratum["field"]
        name = erratum["local_path"]
        assert fixed[name][key] and fixed[name][key] != given[name][key], erratum


def test_gold_errata_refuse_a_selector_that_matches_nothing(tmp_path):
    bench = _bench("bench_extraction")
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Заголовок</h1></body></html>", encoding="utf-8")
    assert bench.corrected_value(page, None, "css:h1") == "Заголовок"
    assert bench.corrected_value(page, "Заголовок | Сайт", "strip-suffix: | Сайт") == "Заголовок"
    with pytest.raises(ValueError, match="matches nothing"):
        bench.corrected_value(page, None, "css:.byline")
