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
    assert ours["value"] > 0 and ours["ratio"] > 0 and ours["target"] == "ratio >= 0.1"


def test_fuzz_runner_quick(capsys):
    assert _bench("fuzz_parsers").main(["--quick", "--inputs", "15"]) == 0
    rows = {(r["benchmark"], r["metric"]): r for r in _rows("fuzz_parsers")}
    assert rows[("fuzz all", "inputs")]["value"] >= 15
    assert rows[("fuzz all", "crashes")]["value"] == 0


def test_extraction_quick(capsys):
    if not (REAL_FIXTURES / "MANIFEST.tsv").is_file():
        pytest.skip(f"real fixtures not found at {REAL_FIXTURES}")
    assert _bench("bench_extraction").main(["--quick"]) == 0
    rows = _rows("extraction")
    assert any(r["metric"] == "title exact" and r["target"] == ">= 0.970" for r in rows)
