"""The quality benchmarks on a tiny input (--quick) report the figures they promise.

(tests/bench/test_bench_smoke.py checks that every bench runs and writes well-formed rows;
these check the quality benches' own metrics.)"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "fixtures" / "real"


def run_bench(script: str) -> list[dict]:
    subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"], check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    name = script.removeprefix("bench_").removesuffix(".py")
    return json.loads((ROOT / "bench" / "results" / f"{name}.quick.json").read_text())


def test_scale_bench_quick():
    rows = {r["metric"]: r for r in run_bench("bench_duplicates_scale.py")}
    assert rows["pair_recall"]["value"] > 0.9 and rows["pair_precision"]["value"] > 0.9
    assert rows["cluster_wall"]["limit"] == 60.0 and rows["cluster_wall"]["unit"] == "s"
    assert set(rows["cluster_wall"]) == {"benchmark", "metric", "value", "unit", "limit",
                                         "ratio", "target", "met"}  # fmt: skip


@pytest.mark.skipif(not (REAL / "MANIFEST.tsv").exists(), reason=f"no real fixtures at {REAL}")
def test_labelled_bench_quick():
    rows = run_bench("bench_duplicates.py")
    assert {r["benchmark"] for r in rows} == {
        "duplicates.headlines", "duplicates.bodies", "duplicates.both"
    }  # fmt: skip


def test_validate_bench_quick():
    rows = {r["metric"]: r for r in run_bench("bench_validate.py")}
    assert rows["round1_cpu"]["value"] > 0 and rows["round1_wall"]["unit"] == "s"
