"""The fundus bench (bench/bench_fundus.py) runs (--quick) and its errata still resolve.

Both need a local copy of the fundus repository named by MEDIAMON_FUNDUS and skip without
one; nothing of fundus is kept in this repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support import ROOT

BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))
import bench_extraction  # noqa: E402
import bench_fundus  # noqa: E402

DATA = bench_fundus.fundus_root()
needs_fundus = pytest.mark.skipif(
    DATA is None,
    reason=f"{bench_fundus.ENV} unset or without {bench_fundus.TEST_DATA}: no fundus copy",
)


@needs_fundus
def test_quick_run_scores_both_extractors_as_given_and_adjudicated(capsys):
    assert bench_fundus.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "6 pages of 3 countries (de, us, uk)"
    rows = json.loads((BENCH / "results" / "fundus.quick.json").read_text(encoding="utf-8"))
    metrics = {(r["benchmark"], r["metric"]) for r in rows}
    for name in ("mediamon", "trafilatura"):
        for label in ("", " (adjudicated)"):
            for metric in ("title", "authors exact", "name F1", "day", "body F1"):
                assert (f"fundus {name} [all]", metric + label) in metrics
    assert ("fundus mediamon [de]", "±1 h") in metrics
    assert all(0 <= r["value"] <= 1 for r in rows if r["unit"] == "share")
    assert any(r["target"] == ">= 0.93" for r in rows)


@needs_fundus
def test_every_erratum_still_resolves_on_its_page_to_another_value():
    """Each row of bench/fundus_errata.tsv names a dev page, its selector (and pattern) still
    matches there, and the value it reads differs from the given gold."""
    errata = bench_extraction.read_errata(bench_fundus.ERRATA)
    assert errata
    assert {e["local_path"].split("/")[0] for e in errata} <= set(bench_fundus.DEV)
    rows = [r for c in bench_fundus.DEV for r in bench_fundus.country_rows(DATA, c)]
    fixed = {r["name"]: r for r in bench_extraction.adjudicate(rows, DATA, errata)}
    given = {r["name"]: r for r in rows}
    for erratum in errata:
        key, name = "gold_" + erratum["field"], erratum["local_path"]
        assert fixed[name][key] and fixed[name][key] != given[name][key], erratum
        if key == "gold_date":
            assert bench_fundus.gold_date(fixed[name][key])[:10] != given[name][key][:10]


def test_without_a_fundus_copy_the_bench_says_so_and_writes_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != bench_fundus.ENV}
    env[bench_fundus.ENV] = str(tmp_path / "absent")
    done = subprocess.run([sys.executable, str(BENCH / "bench_fundus.py"), "--quick"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("skipped: set MEDIAMON_FUNDUS")


def test_held_out_run_refuses_to_list_misses():
    with pytest.raises(SystemExit):
        bench_fundus.main(["--held-out", "--misses"])


def test_an_erratum_pattern_keeps_its_group_and_refuses_no_match(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<p class="by">Von Anna Muster und Jan Beispiel, Nairobi</p>', "utf-8")
    value = bench_extraction.corrected_value(page, None, "css:.by|re:^(.+?),")
    assert bench_extraction.gold_names(value) == ["Anna Muster", "Jan Beispiel"]
    with pytest.raises(ValueError, match="matches nothing"):
        bench_extraction.corrected_value(page, None, "css:.by|re:Paris")


def test_gold_dates_become_iso():
    assert bench_fundus.gold_date("2024-04-22 15:26:46+00:00") == "2024-04-22T15:26:46+00:00"
    assert bench_fundus.gold_date("06.01.2026") == "2026-01-06"
    assert bench_fundus.gold_date(None) is None
