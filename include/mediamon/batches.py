"""The files between stages: where they live and the batch format every stage reads.

Under the data directory (:func:`mediamon.config.data_dir`), for one source and local day:

- ``raw/<source>/<YYYY-MM-DD>.warc.gz``: the capture (gzipped WARC) the fetch stage writes
  and the parse stage (and a re-parse) reads (:func:`capture_path`);
- ``batches/<YYYY-MM-DD>/<source>/parsed.jsonl``: the parse stage's records
  (:data:`PARSED`);
- ``batches/<YYYY-MM-DD>/<source>/validated.jsonl``: the validate stage's, which the load
  stage reads (:data:`VALIDATED`).

A batch file holds one JSON array ``[kind, record]`` per line (UTF-8, not ASCII-escaped),
``record`` a JSON object (:mod:`mediamon.records`). Kinds: ``fetch`` (:class:`Fetch`),
``article`` (:class:`Article`), ``headline`` (:class:`Headline`), ``refused``
(:class:`Refusal`, parsed batches only), ``quarantine`` (:class:`Quarantined`) and ``dq``
(:class:`DqResult`) (validated batches only). Datetimes (and dates) are written as ISO 8601
strings; the fields of :data:`DATETIME_FIELDS` are revived as datetimes on read, in a
quarantine row's ``record`` too. A file appears whole or not at all (written as ``.part``,
then renamed), and is read one line at a time, so memory does not grow with the day.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from mediamon.config import data_dir
from mediamon.records import Article, DqResult, Fetch, Headline, Quarantined, Refusal
from mediamon.text.storable import storable_text

Record = Fetch | Article | Headline | Refusal | Quarantined | DqResult
"""What a batch line holds after its kind."""

PARSED = "parsed.jsonl"
VALIDATED = "validated.jsonl"
KINDS = ("fetch", "article", "headline", "refused", "quarantine", "dq")
DATETIME_FIELDS = ("published_at", "modified_at", "fetched_at", "published_at_alt")


def capture_path(source_id: str, day: date | str) -> Path:
    """Where the raw store keeps a source's capture of a local day (a gzipped WARC)."""
    return data_dir() / "raw" / source_id / f"{day}.warc.gz"


def batch_dir(source_id: str, day: date | str) -> Path:
    """The folder (created) for a source-day's batch files."""
    path = data_dir() / "batches" / str(day) / source_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def json_default(value):
    """``json.dumps`` ``default``: dates and datetimes as ISO 8601; TypeError otherwise."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def json_safe(value):
    """``value`` with its dates and datetimes turned into ISO strings (for a JSON column)."""
    return json.loads(json.dumps(value, default=json_default))


Poison = Callable[[str, dict, Exception], "tuple[str, Record] | None"]
"""What :func:`write_batch` writes instead of a record that cannot be serialized:
``poison(kind, record, error)`` returns a replacement ``(kind, record)`` (e.g. a refusal with
the reason), or None to raise the error."""


def write_batch(
    path: Path, records: Iterable[tuple[str, Record]], poison: Poison | None = None
) -> None:
    """Write ``(kind, record)`` pairs as JSON lines, one at a time; the file appears whole
    (renamed from ``.part``) or not at all.

    The boundary where text becomes storable: every string of a record is made valid
    Unicode without U+0000 (:func:`mediamon.text.storable.storable_text`), each kind of
    repair noted in the record's ``warnings`` (created when absent). A record that still
    cannot be serialized (a value JSON cannot hold) is replaced by ``poison``'s answer, so
    one record never sinks the file; without ``poison`` the error is raised (TypeError,
    ValueError).
    """
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for kind, record in records:
                f.write(_line(kind, record, poison))
                f.write("\n")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)


def _line(kind: str, record: Record, poison: Poison | None) -> str:
    """One batch line of a record, repaired (see :func:`write_batch`)."""
    record, notes = storable_text(record)
    if notes:
        record = {**record, "warnings": [*(record.get("warnings") or []), *notes]}
    try:
        return json.dumps([kind, record], ensure_ascii=False, default=json_default)
    except (TypeError, ValueError) as exc:
        replacement = poison(kind, record, exc) if poison else None
        if replacement is None:
            raise
        return json.dumps(list(replacement), ensure_ascii=False, default=json_default)


def read_batch(path: Path, kinds: tuple[str, ...] | None = None) -> Iterator[tuple[str, Record]]:
    """``(kind, record)`` pairs of a batch file, datetimes revived, one line at a time; with
    ``kinds``, lines of other kinds are skipped without being decoded."""
    prefixes = tuple(f'["{k}",' for k in kinds) if kinds else None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if prefixes and not line.startswith(prefixes):
                continue
            kind, record = json.loads(line)
            revive_datetimes(record)
            if kind == "quarantine" and isinstance(record.get("record"), dict):
                revive_datetimes(record["record"])
            yield kind, record


def records_of(path: Path, kind: str) -> Iterator[Record]:
    """The records of one kind of a batch file, streamed."""
    return (record for _, record in read_batch(path, (kind,)))


def revive_datetimes(record: dict) -> None:
    """Turn the ISO strings of :data:`DATETIME_FIELDS` back into datetimes, in place; a
    string that is no ISO datetime stays a string (the validate stage quarantines that one
    record, :mod:`mediamon.quality.isolate`, instead of the whole file failing to read)."""
    for name in DATETIME_FIELDS:
        if isinstance(record.get(name), str):
            try:
                record[name] = datetime.fromisoformat(record[name])
            except ValueError:
                pass
