import json
import subprocess
import sys

from support import ROOT


def test_bench_backfill_quick_writes_its_rows(warehouse):
    # the bench makes its own scratch database on the warehouse fixture's server
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_backfill.py"), "--quick"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert "backfill 2024-09-08..2024-09-08: 1 loaded" in done.stdout
    rows = json.loads((ROOT / "bench" / "results" / "backfill.json").read_text())
    assert [r["metric"] for r in rows] == ["backfill_1d_wall", "backfill_1d_per_day"]
    assert all(r["value"] > 0 and r["unit"] for r in rows)
