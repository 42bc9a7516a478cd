"""Full-size fuzzing of the ``parse-article``, ``parse-feed`` and ``parse-listing`` entry points.

    .venv/bin/python bench/fuzz_parsers.py [--inputs N] [--workers W] [--quick]
        [--timeout SECONDS] [--seed S] [--window BYTES]

The strategies of ``tests/fuzz_support.py`` (hypothesis: real fixtures, else demo pages, cut
to a window of at most ``--window`` bytes, then mutated) generate N inputs (default 100,000;
300 with ``--quick``), spread evenly over the three entry points and over W worker processes
(default 1). Each worker runs hypothesis in batches of 100 examples with its own seed, in
generate-only mode; the checked function never fails, so nothing is shrunk: every exception
(other than a clear ``InputError`` refusal of empty input), every broken output contract and
every input over ``--timeout`` CPU seconds (default 20 s, enforced with SIGPROF: CPU time, so a
busy machine does not make a crash) is recorded as a crash, its input saved under
``bench/results/fuzz_crashes/``.

Results: ``bench/results/fuzz_parsers.json`` -- inputs run per entry point, crashes,
refusals, mean and slowest time per input (and which seed it came from).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import signal
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from _common import RESULTS, row, save  # noqa: E402
from fuzz_support import KINDS, WINDOW, load_seeds, mutated, run_one  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402

BATCH = 100
CRASHES = RESULTS / "fuzz_crashes"


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _worker(args: tuple[int, int, int, float, int, float]) -> dict:
    """Run ``count`` inputs, batches of the three kinds in turn, with hypothesis seed
    ``seed``; a progress line to stderr after every round of batches."""
    worker, count, seed, timeout, window, deadline = args
    warnings.simplefilter("ignore")
    seeds = load_seeds()
    stats = {k: {"inputs": 0, "refused": 0, "seconds": 0.0, "slowest": 0.0, "slowest_seed": ""}
             for k in KINDS}  # fmt: skip
    crashes: list[dict] = []
    signal.signal(signal.SIGPROF, _alarm)
    workdir = Path(tempfile.mkdtemp(prefix=f"fuzz-{worker}-"))
    remaining = {k: count // len(KINDS) + (i < count % len(KINDS)) for i, k in enumerate(KINDS)}
    batch_no = 0
    while any(remaining.values()) and time.time() < deadline:
        for kind in KINDS:
            n = min(BATCH, remaining[kind])
            if not n:
                continue
            strategy = mutated(seeds[kind], window)
            done = _batch(kind, n, seed * 100_003 + batch_no, strategy, stats, crashes,
                          workdir, timeout)  # fmt: skip
            remaining[kind] = max(0, remaining[kind] - max(done, 1))
            batch_no += 1
        ran = sum(st["inputs"] for st in stats.values())
        print(f"worker {worker}: {ran} inputs, {len(crashes)} crashes", file=sys.stderr,
              flush=True)  # fmt: skip
    return {"stats": stats, "crashes": crashes}


def _batch(kind, n, batch_seed, strategy, stats, crashes, workdir, timeout) -> int:
    """Run one hypothesis batch of ``n`` inputs of ``kind``; how many ran."""
    done = [0]

    @hypothesis_seed(batch_seed)
    @settings(
        max_examples=n, deadline=None, database=None, phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=strategy)
    def one(case):
        name, data = case
        done[0] += 1
        st = stats[kind]
        started = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, timeout)
        try:
            outcome = run_one(kind, data, workdir)
        except BaseException as exc:  # every failure is recorded, none stops the run
            signal.setitimer(signal.ITIMER_PROF, 0)
            if isinstance(exc, KeyboardInterrupt):
                raise
            digest = hashlib.sha1(data).hexdigest()[:16]
            CRASHES.mkdir(parents=True, exist_ok=True)
            (CRASHES / f"{kind}-{digest}.bin").write_bytes(data)
            what = "timeout" if isinstance(exc, _Timeout) else type(exc).__name__
            crashes.append({
                "kind": kind, "seed": name, "error": what,
                "message": str(exc)[:300], "input": f"{kind}-{digest}.bin",
                "where": traceback.format_exc().strip().splitlines()[-3:],
            })  # fmt: skip
            outcome = "crash"
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        took = time.process_time() - started
        st["inputs"] += 1
        st["refused"] += outcome == "refused"
        st["seconds"] += took
        if took > st["slowest"]:
            st["slowest"], st["slowest_seed"] = took, name

    one()
    return done[0]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--inputs", type=int, default=None, help="inputs in all (default 100,000; 300 with --quick)"
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--window",
        type=int,
        default=WINDOW,
        help="bytes of a seed kept before the edits (default %(default)s)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="stop (and report what ran) after this many seconds",
    )
    parser.add_argument("--tag", default="", help="suffix of the results file name")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    total = args.inputs or (300 if args.quick else 100_000)
    started = time.perf_counter()
    deadline = time.time() + (args.max_seconds or 10**9)
    shares = [total // args.workers + (w < total % args.workers) for w in range(args.workers)]
    jobs = [(w, shares[w], args.seed + w, args.timeout, args.window, deadline)
            for w in range(args.workers)]  # fmt: skip
    if args.workers == 1:
        results = [_worker(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            results = pool.map(_worker, jobs)
    wall = time.perf_counter() - started
    crashes = [c for r in results for c in r["crashes"]]
    name = "fuzz_parsers" + (f"_{args.tag}" if args.tag else "")
    rows = []
    inputs_all = 0
    for kind in KINDS:
        inputs = sum(r["stats"][kind]["inputs"] for r in results)
        inputs_all += inputs
        seconds = sum(r["stats"][kind]["seconds"] for r in results)
        slowest = max((r["stats"][kind]["slowest"], r["stats"][kind]["slowest_seed"])
                      for r in results)  # fmt: skip
        kind_crashes = sum(c["kind"] == kind for c in crashes)
        bench = f"fuzz parse-{kind}"
        rows += [
            row(bench, "inputs", inputs, "inputs"),
            row(bench, "crashes", kind_crashes, "inputs", target="0", met=kind_crashes == 0),
            row(
                bench,
                "refused with InputError",
                sum(r["stats"][kind]["refused"] for r in results),
                "inputs",
            ),  # fmt: skip
            row(bench, "mean CPU time per input", 1000 * seconds / max(inputs, 1), "ms"),
            row(
                bench,
                f"slowest input, CPU (seed {slowest[1]})",
                1000 * slowest[0],
                "ms",
                limit=1000 * args.timeout,
                ratio=slowest[0] / args.timeout,
                target=f"< {args.timeout:g} s",
                met=slowest[0] < args.timeout,
            ),  # fmt: skip
        ]
    rows.append(row("fuzz all", "inputs", inputs_all, "inputs", limit=total,
                    target=f">= {total}", met=inputs_all >= total))  # fmt: skip
    rows.append(row("fuzz all", "crashes", len(crashes), "inputs", target="0",
                    met=not crashes))  # fmt: skip
    rows.append(row("fuzz all", "wall time", wall, "s"))
    save(name, rows, quick=args.quick)
    for crash in crashes:
        print(f"CRASH {crash['kind']} {crash['error']}: {crash['message'][:160]} "
              f"(seed {crash['seed']}, input {crash['input']})")  # fmt: skip
        for line in crash["where"]:
            print(f"    {line[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
