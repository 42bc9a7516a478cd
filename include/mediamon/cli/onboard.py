"""``mediamon sources add URL``: onboard an outlet from its homepage (:mod:`mediamon.onboard`),
live or from a capture, and write its entry to a registry."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml

from mediamon.cli.usage import UsageError, existing_path
from mediamon.config import data_dir, registry_path


def add_command(sources) -> None:
    """Add ``add`` to the ``mediamon sources`` subparsers ``sources``."""
    add = sources.add_parser(
        "add", help="onboard an outlet: discover its feeds, sitemaps, headline lists, languages "
        "and zone from its homepage, and write a registry entry",
    )  # fmt: skip
    add.add_argument("url", help="the outlet's homepage, e.g. https://www.zakon.kz/")
    add.add_argument(
        "--capture", type=existing_path, default=None,
        help="read the homepage from this capture (saved pages or a WARC) instead of the network",
    )  # fmt: skip
    add.add_argument(
        "--registry", type=Path, default=None,
        help="the registry file to add to (created when missing; default: MEDIAMON_SOURCES or "
        "the packaged one)",
    )  # fmt: skip
    add.add_argument("--id", dest="source_id", default=None, help="source id (default: the host)")
    add.add_argument(
        "--dry-run", action="store_true", help="show what was found and the entry; write nothing"
    )
    add.set_defaults(func=cmd_sources_add)


def cmd_sources_add(args) -> int:
    """Exit 0 when the entry was written (or shown, ``--dry-run``), 1 when the homepage gave
    no page, 2 for a usage error (an id already in the registry, a capture that is none)."""
    from mediamon.fetch.http import make_session
    from mediamon.fetch.replay import ReplayServer
    from mediamon.onboard import (
        OnboardError,
        add_to_registry,
        discover_outlet,
        format_findings,
        source_id_for,
    )

    registry = args.registry or registry_path()
    try:
        sid = args.source_id or source_id_for(args.url)
    except OnboardError as exc:
        raise UsageError(str(exc)) from None
    if not args.dry_run and registry.exists():
        known = yaml.safe_load(registry.read_text(encoding="utf-8")) or {}
        if any(s.get("id") == sid for s in known.get("sources") or [] if isinstance(s, dict)):
            raise UsageError(f"source {sid!r} is already in {registry}: not overwritten "
                             "(give another id with --id, or edit the file)")  # fmt: skip
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = data_dir() / "onboard" / f"{sid}-{stamp}.warc.gz"
    server = None
    if args.capture:
        from mediamon.devtools.runner import prepare_capture

        try:
            built = prepare_capture(args.capture)
        except ValueError as exc:
            raise UsageError(f"--capture {exc}") from None
        server = ReplayServer(built / "capture.warc.gz").start()
    try:
        with make_session(replay=server.url if server else None) as session:
            found = discover_outlet(args.url, out, session=session, source_id=sid)
    except OnboardError as exc:
        print(f"{args.prog}: {exc}", file=sys.stderr)
        return 1
    finally:
        if server:
            server.stop()
    print(format_findings(found))
    entry = yaml.safe_dump([found.entry], allow_unicode=True, sort_keys=False, width=100)
    print(f"\nentry:\n{entry}")
    if args.dry_run:
        print(f"--dry-run: not written; the exchanges are in {out}")
        return 0
    try:
        add_to_registry(found.entry, registry)
    except OnboardError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote source {sid} to {registry} (validated); the exchanges are in {out}")
    return 0
