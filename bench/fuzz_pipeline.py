"""Full-size fuzzing of the whole pipeline: mutated captures through parse → validate → load.

    .venv/bin/python bench/fuzz_pipeline.py [--inputs N] [--per-day K] [--workers W]
        [--quick] [--seed S] [--window BYTES] [--timeout SECONDS] [--max-seconds S]

The strategy of ``tests/pipeline_fuzz.py`` (hypothesis, generate-only: a real page, feed,
listing or generated sitemap mutated as by bench/fuzz_parsers.py, hostile values put in its
title, date, byline or link, re-encoded, blown up, served with lying headers, a broken or
bombing Content-Encoding, an odd status, at a hostile URL, or no response) draws N inputs
(default 20,000; 200 with ``--quick``). Every K inputs (default 100) make one source-day
capture, run through :func:`mediamon.pipeline.process_capture` on a scratch PostgreSQL
database per worker and checked by :func:`pipeline_fuzz.check_day` (it loads; fetches =
exchanges; fetched = loaded + quarantined + refused; every kept record in the warehouse; every
quarantine row with a reason). A day that takes more than ``--timeout`` CPU seconds of its
worker (default 600 s; CPU, not wall time, so a busy machine does not fail a day) fails.

A failed day points at its inputs: each is run alone as a source-day of its own; those that
fail alone are the culprits, saved under ``bench/results/fuzz_pipeline_crashes/`` (the body
as ``<digest>.bin``, headers, URL and edits as ``<digest>.json``); when none fails alone the
whole day is saved (``day-<digest>.pickle``).

Results: ``bench/results/fuzz_pipeline.json`` -- inputs, source-days, failed days,
culprits, the exchanges fetched / loaded / quarantined / refused, the wall time, and the mean
and slowest day in CPU seconds of the worker (PostgreSQL's own time not counted).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from _common import RESULTS, row, save, scratch_database  # noqa: E402
from fuzz_support import WINDOW  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402

CRASHES = RESULTS / "fuzz_pipeline_crashes"
BATCH = 200  # inputs per hypothesis run (each run has its own seed; a progress line after it)
COUNTS = ("fetched", "loaded", "quarantined", "refused", "quarantine_rows")


class _Timeout(BaseException):
    """Not an Exception: the stages keep a page's Exception as its refusal and go on."""


def _alarm(signum, frame):
    raise _Timeout()


def _day(conn, pf, number: int, inputs, timeout: float) -> tuple[dict | None, str | None]:
    """Run source-day ``number`` of ``inputs``: (counts, None) or (None, the failure)."""
    source, day = pf.source_day(number)
    signal.setitimer(signal.ITIMER_PROF, timeout)
    try:
        return pf.run_day(conn, source, day, inputs), None
    except _Timeout:
        return None, f"{source} {day}: over {timeout:g} CPU seconds"
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none stops the run
        return None, f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        if conn.closed == 0:
            conn.rollback()


def _save(item, index: int) -> str:
    digest = hashlib.sha1(item.body + repr(item.describe(0)).encode()).hexdigest()[:16]
    CRASHES.mkdir(parents=True, exist_ok=True)
    (CRASHES / f"{digest}.bin").write_bytes(item.body)
    (CRASHES / f"{digest}.json").write_text(
        json.dumps(item.describe(index), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return digest


def _worker(args: tuple) -> dict:
    """One worker's share, in this process; its environment and logging restored after."""
    saved = {k: os.environ.get(k) for k in ("MEDIAMON_DATA_DIR", "MEDIAMON_SOURCES")}
    logging.disable(logging.CRITICAL)  # thousands of expected refusals and quarantines
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _work(*args)
    finally:
        logging.disable(logging.NOTSET)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _work(worker, count, per_day, seed, window, timeout, deadline) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"fuzz-pipeline-{worker}-"))
    os.environ["MEDIAMON_DATA_DIR"] = str(tmp / "var")
    import pipeline_fuzz as pf
    import psycopg2

    os.environ["MEDIAMON_SOURCES"] = str(pf.registry(tmp / "sources.yaml"))
    seeds = pf.all_seeds()
    signal.signal(signal.SIGPROF, _alarm)
    stats = {"inputs": 0, "days": 0, "failed_days": 0, "seconds": 0.0, "slowest": 0.0,
             **dict.fromkeys(COUNTS, 0)}  # fmt: skip
    failures: list[dict] = []
    pending: list = []
    number = [0]
    with scratch_database(f"mediamon_fuzzpipe_{worker}") as url:
        conn = psycopg2.connect(url)

        def run(inputs) -> None:
            nonlocal conn
            started = time.process_time()  # CPU seconds: a busy machine does not count
            counts, failure = _day(conn, pf, number[0], inputs, timeout)
            took = time.process_time() - started
            number[0] += 1
            if conn.closed:
                conn = psycopg2.connect(url)
            stats["inputs"] += len(inputs)
            stats["days"] += 1
            stats["seconds"] += took
            stats["slowest"] = max(stats["slowest"], took)
            if counts:
                for key in COUNTS:
                    stats[key] += counts[key]
                return
            stats["failed_days"] += 1
            culprits = []
            for i, item in enumerate(inputs):  # which input fails alone
                alone, why = _day(conn, pf, 10_000 + number[0], [item], timeout)
                number[0] += 1
                if conn.closed:
                    conn = psycopg2.connect(url)
                if alone is None:
                    culprits.append({"input": _save(item, i), "index": i, "failure": why,
                                     "what": item.describe(i)})  # fmt: skip
            entry = {"failure": failure, "culprits": culprits}
            if not culprits:
                digest = hashlib.sha1(pickle.dumps(inputs)).hexdigest()[:16]
                CRASHES.mkdir(parents=True, exist_ok=True)
                (CRASHES / f"day-{digest}.pickle").write_bytes(pickle.dumps(inputs))
                entry["day"] = f"day-{digest}.pickle"
            failures.append(entry)
            print(f"worker {worker}: FAILED day: {failure[:300]}", file=sys.stderr, flush=True)

        batch_no = 0
        while stats["inputs"] + len(pending) < count and time.time() < deadline:
            n = min(BATCH, count - stats["inputs"] - len(pending))

            @hypothesis_seed(seed * 100_003 + batch_no)
            @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(item=pf.hostile_inputs(seeds, window))
            def collect(item):
                if time.time() >= deadline:
                    return
                pending.append(item)
                if len(pending) == per_day:
                    run(list(pending))
                    pending.clear()

            collect()
            batch_no += 1
            print(f"worker {worker}: {stats['inputs']} inputs, {stats['days']} source-days, "
                  f"{stats['failed_days']} failed", file=sys.stderr, flush=True)  # fmt: skip
        if pending:
            run(list(pending))
        conn.close()
    return {"stats": stats, "failures": failures}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=None,
                        help="inputs in all (default 20,000; 200 with --quick)")  # fmt: skip
    parser.add_argument("--per-day", type=int, default=100, help="inputs per source-day")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--window", type=int, default=WINDOW,
        help="bytes of a seed kept before the edits (default %(default)s)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=600.0, help="CPU seconds per source-day")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="stop (and report what ran) after this many seconds")  # fmt: skip
    parser.add_argument("--tag", default="", help="suffix of the results file name")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    total = args.inputs or (200 if args.quick else 20_000)
    started = time.perf_counter()
    deadline = time.time() + (args.max_seconds or 10**9)
    shares = [total // args.workers + (w < total % args.workers) for w in range(args.workers)]
    jobs = [(w, shares[w], args.per_day, args.seed + w, args.window, args.timeout, deadline)
            for w in range(args.workers)]  # fmt: skip
    if args.workers == 1:
        results = [_worker(jobs[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            results = pool.map(_worker, jobs)
    wall = time.perf_counter() - started
    stats = {k: sum(r["stats"][k] for r in results) for k in results[0]["stats"]}
    stats["slowest"] = max(r["stats"]["slowest"] for r in results)
    failures = [f for r in results for f in r["failures"]]
    culprits = sum(len(f["culprits"]) for f in failures)
    bench = "fuzz pipeline"
    rows = [
        row(bench, "inputs", stats["inputs"], "inputs", limit=total, target=f">= {total}",
            met=stats["inputs"] >= total),
        row(bench, "source-days", stats["days"], "days"),
        row(bench, "failed source-days", stats["failed_days"], "days", target="0",
            met=stats["failed_days"] == 0),
        row(bench, "culprit inputs", culprits, "inputs", target="0", met=culprits == 0),
        *(row(bench, f"exchanges {k}", stats[k], "exchanges") for k in COUNTS[:4]),
        row(bench, "quarantine rows", stats["quarantine_rows"], "rows"),
        row(bench, "mean CPU time per source-day", stats["seconds"] / max(stats["days"], 1), "s"),
        row(bench, "slowest source-day (CPU)", stats["slowest"], "s", limit=args.timeout,
            ratio=stats["slowest"] / args.timeout, target=f"< {args.timeout:g} s",
            met=stats["slowest"] < args.timeout),
        row(bench, "wall time", wall, "s"),
    ]  # fmt: skip
    save("fuzz_pipeline" + (f"_{args.tag}" if args.tag else ""), rows, quick=args.quick)
    for failure in failures:
        print(f"FAILED DAY: {failure['failure'][:400]}")
        for c in failure["culprits"]:
            print(f"    culprit input {c['input']} (index {c['index']}, {c['what']['kind']}, "
                  f"seed {c['what']['seed']}): {c['failure'][:300]}")  # fmt: skip
        if failure.get("day"):
            print(f"    no input fails alone: the day's inputs in {failure['day']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
