"""The command line's usage errors: one line on stderr and exit 2, never a traceback.

argparse's own errors (a malformed date, a missing path, a bad number: the ``type=``
converters here raise ``argparse.ArgumentTypeError``) come out of :class:`Parser` as one line;
what only the parsed arguments together show (a reversed range, an unknown source id) is a
:class:`UsageError`, which :func:`mediamon.cli.main` prints the same way.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from mediamon.window import DayRangeError, day_range


class UsageError(ValueError):
    """Arguments that cannot be used together (a reversed range, an unknown source id)."""


class Parser(argparse.ArgumentParser):
    """argparse with one line per usage error (``mediamon run: argument --date: ...``), exit 2,
    instead of the usage block; ``--help`` still prints it."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def local_day(value: str) -> date:
    """A ``type=`` for ``YYYY-MM-DD`` arguments."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def existing_path(value: str) -> Path:
    """A ``type=`` for a file or folder that must exist."""
    if not Path(value).exists():
        raise argparse.ArgumentTypeError(f"{value}: no such file or folder")
    return Path(value)


def count(low: int, high: int | None = None):
    """A ``type=`` for an integer from ``low`` (to ``high``)."""

    def convert(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"{value!r} is not an integer {bounds}")
        return number

    return convert


def check_range(args, cap: bool = True) -> None:
    """Raise :class:`UsageError` when ``args.first``/``args.last`` (``--from``/``--to``, when
    the command has them) are reversed or, with ``cap``, span more than
    :data:`~mediamon.window.MAX_DAYS` days."""
    first, last = getattr(args, "first", None), getattr(args, "last", None)
    if first is None or last is None:
        return
    try:
        day_range(first, last)
    except DayRangeError as exc:
        if exc.reversed:
            raise UsageError(f"--to {last} is before --from {first}") from None
        if cap:
            raise UsageError(f"--from {first} --to {last}: {exc}") from None
