"""Time the validate stage (GX checkpoints, Data Docs) over every source of a capture.

    .venv/bin/python bench/bench_validate.py [CAPTURE] [--rounds 2] [--quick]

CAPTURE defaults to ../shared/fixtures/real (else the demo). The capture is replayed on
loopback and parsed once (not timed); then every source's parsed batch goes through
:func:`mediamon.pipeline.validate_stage` ``--rounds`` times (the same day again: the second
round shows what a re-run or a longer Data Docs history costs), each round ending with the one
index rebuild a run does. Wall and CPU seconds per round: the machine is shared, so CPU is the
figure to compare. Writes ``bench/results/validate.json``. ``--quick``: the demo capture, one
round.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEMO_CAPTURE, default_capture, row, save  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("capture", nargs="?", type=Path, default=default_capture())
    parser.add_argument("--date", default="2024-09-08")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.capture, args.rounds = DEMO_CAPTURE, 1

    scratch = Path(tempfile.mkdtemp(prefix="mediamon-bench-validate-"))
    os.environ["MEDIAMON_DATA_DIR"] = str(scratch / "var")
    from mediamon import pipeline
    from mediamon.config import data_dir, load_sources
    from mediamon.fetch.capture import build_capture
    from mediamon.fetch.replay import ReplayServer
    from mediamon.quality.data_docs import build_data_docs_index

    rows = []
    try:
        server = ReplayServer(build_capture(args.capture, scratch / "capture")).start()
        os.environ["MEDIAMON_REPLAY"] = server.url
        os.environ["MEDIAMON_SOURCES"] = str(scratch / "capture" / "sources.yaml")
        try:
            batches = {
                sid: pipeline.parse_stage(sid, args.date, pipeline.fetch_stage(sid, args.date))
                for sid in load_sources()
            }
        finally:
            server.stop()
        print(f"capture {args.capture}: {len(batches)} sources")
        for n in range(1, args.rounds + 1):
            wall, cpu = time.perf_counter(), time.process_time()
            for sid, batch in batches.items():
                pipeline.validate_stage(sid, args.date, batch)
            build_data_docs_index(data_dir())
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"round {n}: wall {wall:6.1f} s  cpu {cpu:6.1f} s")
            rows += [row("validate", f"round{n}_wall", wall, "s"),
                     row("validate", f"round{n}_cpu", cpu, "s")]  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    save("validate", rows, quick=args.quick)


if __name__ == "__main__":
    main()
