"""``mediamon sources check --live | --capture PATH``: each registry entry checked by
fetching it (:mod:`mediamon.sourcecheck`), a row per source, the results stored in the
warehouse's ``source_checks``. (Without either flag, ``sources check`` validates the registry
offline: :func:`mediamon.cli.files.cmd_sources_check`.)"""

from __future__ import annotations

from mediamon.cli.common import known_sources, migrated, replay
from mediamon.config import data_dir, load_sources, registry_path
from mediamon.load.db import connect, warehouse_url
from mediamon.text.table import format_table


def add_arguments(check) -> None:
    """The fetching flags of the ``sources check`` parser ``check``."""
    where = check.add_mutually_exclusive_group()
    where.add_argument(
        "--live", action="store_true",
        help="fetch each source's feeds, listings, sitemaps and a sample article (polite)",
    )  # fmt: skip
    check.add_argument(
        "--record", action="store_true",
        help="with --live: write `checked: <today>` into the registry for each source that passed",
    )  # fmt: skip
    where.add_argument(
        "--capture", default=None,
        help="check offline against this capture replayed on loopback: a capture folder "
        "(with its registry), or WARC files (a file, or a folder of *.warc.gz such as "
        "var/checks: the registry in force)",
    )  # fmt: skip


def wanted(args) -> bool:
    """True when the command must fetch (``--live`` or ``--capture``; ``--record`` alone is
    refused there)."""
    return bool(args.live or args.capture or args.record)


def cmd_check_sources(args) -> int:
    """Check the chosen sources (every one by default) live or against a capture; print a row
    each and store them in ``source_checks``. Exit 0 when every source passed, 1 otherwise;
    2 for a usage error (an unknown source id, a path that is no capture)."""
    from pathlib import Path

    from mediamon.cli.usage import UsageError
    from mediamon.fetch.http import make_session, retry_policy
    from mediamon.sourcecheck import check_sources, store_checks

    if args.record and not args.live:
        raise UsageError("--record needs --live: only a live check passing sets `checked:`")

    server = _replay(Path(args.capture)) if args.capture else None
    try:
        ids = known_sources(args.sources)
        registry = load_sources()
        sources = [registry[sid] for sid in ids]
        live = "" if args.live else None  # "": never the replay server, even if one is set
        # a capture answers the same every time: a recorded failure is not retried
        retries = None if args.live else retry_policy(total=0)
        print(f"checking {len(sources)} source(s) of {registry_path()} "
              f"{'live' if args.live else 'against ' + str(args.capture)}")  # fmt: skip

        def session():
            return make_session(replay=live, retries=retries)

        url = migrated(warehouse_url())
        checks = check_sources(sources, data_dir() / "checks", session_factory=session,
                               connect=lambda: connect(url))  # fmt: skip
    finally:
        if server:
            server.stop()
    print(format_table([c.row() for c in checks], list(checks[0].row()) if checks else ["id"]))
    with connect(url) as conn:
        stored = store_checks(conn, checks)
    conn.close()
    verdicts = [c.verdict for c in checks]
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("pass", "partial", "fail"))
    print(f"\n{counts}; {stored} row(s) stored in source_checks; captures in "
          f"{data_dir() / 'checks'}")  # fmt: skip
    passed = [c.source_id for c in checks if c.verdict == "pass"]
    if args.live and passed:
        day = checks[0].checked_at.date()
        if args.record:
            from mediamon.config.checked import record_checked

            changed = record_checked(registry_path(), passed, day)
            print(f"{registry_path()}: `checked: {day}` recorded on {len(changed)} source(s)")
        else:
            print(f"passed live: {', '.join(passed)} (--record writes `checked: {day}` for them)")
    return 0 if verdicts and all(v == "pass" for v in verdicts) else 1


def _replay(capture):
    """Serve ``capture`` on loopback and point the session at it (``MEDIAMON_REPLAY``): a
    capture folder (``sources.yaml``, ``urls.tsv`` or ``MANIFEST.tsv``) brings its registry
    (:func:`mediamon.cli.common.replay`); WARC files (one, or a folder of ``*.warc.gz``: the
    captures of earlier checks) are replayed under the registry in force."""
    import os

    from mediamon.cli.usage import UsageError
    from mediamon.fetch.replay import ReplayServer

    marks = ("sources.yaml", "urls.tsv", "MANIFEST.tsv", "capture.warc.gz")
    if not capture.exists():
        raise UsageError(f"--capture {capture}: no such file or folder")
    if capture.is_dir() and any((capture / m).is_file() for m in marks):
        return replay(capture)
    warcs = sorted(capture.glob("*.warc.gz")) if capture.is_dir() else [capture]
    if not warcs:
        raise UsageError(f"--capture {capture}: neither a capture folder nor WARC files")
    server = ReplayServer(warcs).start()
    os.environ["MEDIAMON_REPLAY"] = server.url
    print(f"replaying {server.size} recorded URLs from {len(warcs)} WARC file(s) at {server.url}")
    return server
