"""Memory: peak RSS of the parse and load stages at 1,000 and 10,000 articles (issue 9, item 4).

    .venv/bin/python bench/bench_memory.py [--sizes 1000,10000] [--quick]

For each size, a synthetic capture of ONE outlet holding the whole day (the worst case for a
task: ``mediamon capture synth --hosts 1``) is replayed and fetched, then each stage runs in a
fresh Python process (as an Airflow task does) and reports its own peak resident set size
(``ru_maxrss``): parse (capture -> parsed batch), validate (Great Expectations; reported, no
target here), load (validated batch -> a scratch warehouse). "floor" is a process that only
imports what the load stage imports. Targets: parse and load under 1 GiB at every size, and
flat: at the largest size at most 25 % above the smallest. Writes bench/results/memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, row, save, scratch_database  # noqa: E402

DAY = "2024-09-08"
SOURCE = "synth_01"
STAGES = ("floor", "parse", "validate", "load")


def child(stage: str, arg: str) -> None:
    """Run one stage in this process and print ``{"rss_mb", "seconds", "out"}``."""
    from mediamon import pipeline
    from mediamon.load.loader import load_batch  # noqa: F401 - the load stage's imports
    from mediamon.quality import drift  # noqa: F401

    t = time.perf_counter()
    out = None
    if stage == "parse":
        out = pipeline.parse_stage(SOURCE, DAY, arg)
    elif stage == "validate":
        out = pipeline.validate_stage(SOURCE, DAY, arg)
    elif stage == "load":
        import psycopg2

        conn = psycopg2.connect(os.environ["MEDIAMON_DATABASE_URL"])
        try:
            out = pipeline.load_stage(SOURCE, DAY, arg, conn)["articles"]
        finally:
            conn.close()
    seconds = time.perf_counter() - t
    print(json.dumps({"rss_mb": peak_rss_mb(), "seconds": seconds, "out": out}))


def run_child(stage: str, arg: str, env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", stage, arg],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{stage} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(size: int, scratch: Path, db_url: str) -> dict[str, dict]:
    from mediamon.devtools.synth import synth_capture
    from mediamon.fetch.replay import ReplayServer

    capture = scratch / f"capture-{size}"
    synth_capture(capture, articles=size, days=1, hosts=1)
    env = {
        **os.environ,
        "MEDIAMON_DATA_DIR": str(scratch / f"var-{size}"),
        "MEDIAMON_SOURCES": str(capture / "sources.yaml"),
        "MEDIAMON_DATABASE_URL": db_url,
    }
    os.environ.update(env)
    with ReplayServer(capture / "capture.warc.gz") as server:
        os.environ["MEDIAMON_REPLAY"] = server.url
        from mediamon import pipeline

        warc = pipeline.fetch_stage(SOURCE, DAY, force=True)
    found = {"floor": run_child("floor", "", env)}
    found["parse"] = run_child("parse", warc, env)
    found["validate"] = run_child("validate", found["parse"]["out"], env)
    found["load"] = run_child("load", found["validate"]["out"], env)
    print(f"{size} articles: " + ", ".join(
        f"{s} {v['rss_mb']:.0f} MiB {v['seconds']:.1f} s" for s, v in found.items()
    ), flush=True)  # fmt: skip
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--quick", action="store_true", help="tiny input (smoke test)")
    parser.add_argument("--child", nargs=2, metavar=("STAGE", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sizes = [20] if args.quick else [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="mediamon-bench-mem-") as tmp:
        for size in sizes:
            with scratch_database() as url:
                results[size] = measure(size, Path(tmp), url)
    small, large = sizes[0], sizes[-1]
    rows = []
    for size in sizes:
        rows.append(
            row(
                "memory",
                f"floor (imports), {size} articles",
                results[size]["floor"]["rss_mb"],
                "MiB",
            )
        )  # noqa: E501
        for stage in ("parse", "validate", "load"):
            rss = results[size][stage]["rss_mb"]
            if stage == "validate":
                rows.append(row("memory", f"validate peak RSS, {size} articles", rss, "MiB"))
                continue
            base = results[small][stage]["rss_mb"]
            flat = results[large][stage]["rss_mb"] <= 1.25 * base
            rows.append(row(
                "memory", f"{stage} peak RSS, {size} articles", rss, "MiB", limit=1024,
                ratio=rss / 1024, target="< 1024 MiB, flat (<= 1.25x smallest)",
                met=rss < 1024 and flat,
            ))  # fmt: skip
    save("memory", rows, quick=args.quick)


if __name__ == "__main__":
    main()
