"""Recording ``checked:`` in a registry file: the day a live check last passed, per entry.

The file is edited as text, one value per entry, so its comments, evidence and layout stay
as the user wrote them: the entry's ``checked:`` value is replaced, or a ``checked:`` line is
added under its first one-line key (positions from PyYAML's composer). The result is
validated (:func:`mediamon.config.load_sources`) before it replaces the file (atomically); a
registry that would not validate is left untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import yaml


def record_checked(path: Path | str, ids: Iterable[str], day: date) -> list[str]:
    """Set ``checked: <day>`` on the entries ``ids`` of the registry at ``path``; returns the
    ids changed (an entry already at ``day`` or later is left as it is). Raises KeyError
    naming ids the file has no entry for, ValueError for an entry written as a flow mapping
    (``- {id: x, ...}``: edit it by hand), and :class:`mediamon.config.RegistryError` when
    the edited file would not validate (the file is then unchanged)."""
    from mediamon.config import load_sources

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    entries = _entries(text)
    wanted = set(ids)
    missing = sorted(wanted - set(entries))
    if missing:
        raise KeyError(f"{path}: no entry with id {', '.join(missing)}")
    lines = text.splitlines(keepends=True)
    edits = []  # (line, column from, column to or None: insert a line, text)
    changed = []
    for sid in wanted:
        node = entries[sid]
        if node.flow_style:
            raise ValueError(f"{path}: entry {sid} is a flow mapping: set its checked: by hand")
        value = next((v for k, v in node.value if k.value == "checked"), None)
        if value is not None and value.value != "never" and value.value >= day.isoformat():
            continue
        if value is not None:
            edits.append((value.start_mark.line, value.start_mark.column, value.end_mark.column,
                          day.isoformat()))  # fmt: skip
        else:
            key = next((k for k, v in node.value if isinstance(v, yaml.ScalarNode)
                        and v.end_mark.line == k.start_mark.line), None)  # fmt: skip
            if key is None:
                raise ValueError(f"{path}: entry {sid} has no one-line key to add checked: under")
            line = f"{' ' * key.start_mark.column}checked: {day.isoformat()}\n"
            edits.append((key.start_mark.line + 1, 0, None, line))  # under that key
        changed.append(sid)
    for line, start, stop, new in sorted(edits, reverse=True):  # bottom up
        if stop is None:
            lines.insert(line, new)
        else:
            lines[line] = lines[line][:start] + new + lines[line][stop:]
    if edits:
        _replace(path, "".join(lines), load_sources)
    return sorted(changed)


def _entries(text: str) -> dict[str, yaml.MappingNode]:
    """Each entry of the registry's ``sources:`` list, by id, as composed YAML nodes (with
    their line and column marks)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return {}
    sources = next((v for k, v in root.value if k.value == "sources"), None)
    found = {}
    for item in getattr(sources, "value", None) or []:
        if isinstance(item, yaml.MappingNode):
            sid = next((v.value for k, v in item.value if k.value == "id"), None)
            if isinstance(sid, str):
                found[sid] = item
    return found


def _replace(path: Path, text: str, validate) -> None:
    """Write ``text`` beside ``path``, validate it as a registry, then move it over."""
    from mediamon.config import RegistryError

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        try:
            validate(tmp)
        except RegistryError as exc:  # name the user's file, not the scratch copy
            errors = [e.replace(tmp, str(path)) for e in exc.errors]
            raise RegistryError("\n".join(errors), errors) from None
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
