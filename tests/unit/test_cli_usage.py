"""The CLI's usage errors and registry errors: one line each on stderr, exit 2, no traceback,
before anything starts (no warehouse, no Airflow); and `sources check`'s row per source."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mediamon import config
from mediamon.cli import main
from mediamon.config.schema import validate_registry
from support import DEMO


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's own errors
        code = exited.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _nothing_starts(monkeypatch, tmp_path):
    """A usage error must be said before the warehouse or Airflow is touched."""
    monkeypatch.setenv("MEDIAMON_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("MEDIAMON_SOURCES", raising=False)

    def refuse(*args, **kwargs):
        raise AssertionError("started the warehouse on a usage error")

    for module in ("runs", "warehouse", "files"):
        monkeypatch.setattr(f"mediamon.cli.{module}.warehouse_url", refuse, raising=False)
    monkeypatch.setattr("mediamon.devtools.runner.airflow_env", refuse)


USAGE_ERRORS = {
    "make run DATE=08.09.2024": (
        ["run", "--capture", str(DEMO), "--date", "08.09.2024"],
        "mediamon run: argument --date: '08.09.2024' is not a date YYYY-MM-DD",
    ),
    "summary, day first": (
        ["summary", "--date", "08.09.2024"],
        "mediamon summary: argument --date: '08.09.2024' is not a date YYYY-MM-DD",
    ),
    "backfill, reversed": (
        ["backfill", "--from", "2024-09-08", "--to", "2024-09-06"],
        "mediamon backfill: --to 2024-09-06 is before --from 2024-09-08",
    ),
    "coverage, reversed": (
        ["coverage", "--from", "2024-09-08", "--to", "2024-09-06"],
        "mediamon coverage: --to 2024-09-06 is before --from 2024-09-08",
    ),
    "reparse, reversed": (
        ["reparse", "--from", "2024-09-08", "--to", "2024-09-06"],
        "mediamon reparse: --to 2024-09-06 is before --from 2024-09-08",
    ),
    "backfill, too long": (
        ["backfill", "--from", "2023-01-01", "--to", "2024-09-06"],
        "mediamon backfill: --from 2023-01-01 --to 2024-09-06: 615 days asked; at most 366",
    ),
    "backfill, not a date": (
        ["backfill", "--from", "yesterday", "--to", "2024-09-06"],
        "mediamon backfill: argument --from: 'yesterday' is not a date YYYY-MM-DD",
    ),
    "backfill, unknown source": (
        ["backfill", "--from", "2024-09-06", "--to", "2024-09-08", "--source", "tengri"],
        "mediamon backfill: --source tengri: not in the registry ",
    ),
    "sources check, unknown source": (
        ["sources", "check", "--source", "tengri"],
        "mediamon sources check: --source tengri: not in the registry ",
    ),
    "run, no such capture": (
        ["run", "--capture", "/no/such/folder"],
        "mediamon run: argument --capture: /no/such/folder: no such file or folder",
    ),
    "backfill, a folder that is no capture": (
        ["backfill", "--from", "2024-09-06", "--to", "2024-09-06", "--capture", "{tmp}"],
        "mediamon backfill: --capture {tmp}: not a capture folder",
    ),
    "synth, too many hosts": (
        ["capture", "synth", "{tmp}/out", "--articles", "10", "--hosts", "100"],
        "mediamon capture synth: argument --hosts: '100' is not an integer from 1 to 99",
    ),
    "up, bad port": (
        ["up", "--port", "http"],
        "mediamon up: argument --port: 'http' is not an integer from 1 to 65535",
    ),
    "unknown option": (["run", "--dates", "2024-09-08"], "mediamon: unrecognized arguments"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_usage_errors_are_one_line_and_exit_2(capsys, tmp_path, case):
    argv, expected = USAGE_ERRORS[case]
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = _run(capsys, argv)
    assert code == 2, (code, out, err)
    assert err.startswith(expected.replace("{tmp}", str(tmp_path))), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert out == ""


def test_a_usage_error_from_the_installed_command_has_no_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "mediamon.cli", "summary", "--date", "08.09.2024"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert "'08.09.2024' is not a date YYYY-MM-DD" in done.stderr


def _broken_registry(path: Path) -> Path:
    doc = yaml.safe_load((DEMO / "sources.yaml").read_text(encoding="utf-8"))
    entry = doc["sources"][0]
    entry["timezone"] = "Asia/Almati"
    entry["listing"] = entry.pop("listings")
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


EXPECTED_LINES = [
    "sources[0] (exclusive_demo).timezone: unknown IANA time zone 'Asia/Almati' "
    "(did you mean 'Asia/Almaty'?)",
    "sources[0] (exclusive_demo): unknown key 'listing' (did you mean 'listings'?)",
]


@pytest.mark.parametrize(
    "argv",
    [
        ["sources", "check"],
        ["run", "--live", "--date", "2024-09-08"],
        ["backfill", "--from", "2024-09-06", "--to", "2024-09-08"],
    ],
    ids=["sources-check", "run-live", "backfill"],
)
def test_a_broken_registry_is_said_before_anything_starts(capsys, monkeypatch, tmp_path, argv):
    registry = _broken_registry(tmp_path / "sources.yaml")
    monkeypatch.setenv("MEDIAMON_SOURCES", str(registry))
    code, out, err = _run(capsys, argv)
    assert code == 2
    assert err.splitlines() == [f"{registry}: {line}" for line in EXPECTED_LINES]
    assert out == ""


@pytest.mark.parametrize("command", ["run", "backfill"])
def test_a_replayed_captures_registry_errors_name_the_users_file(capsys, tmp_path, command):
    folder = tmp_path / "mysite"
    shutil.copytree(DEMO, folder)
    registry = _broken_registry(folder / "sources.yaml")
    argv = ["--capture", str(folder)]
    argv += ["--date", "2024-09-08"] if command == "run" else ["--from", "2024-09-08"]
    argv += [] if command == "run" else ["--to", "2024-09-08"]
    code, out, err = _run(capsys, [command, *argv])
    assert code == 2
    assert err.splitlines() == [f"{registry}: {line}" for line in EXPECTED_LINES]
    assert not (tmp_path / "var" / "captures").exists()  # checked before the capture is built


def test_a_built_captures_copy_names_the_file_it_came_from(tmp_path, monkeypatch):
    from mediamon.devtools.runner import prepare_capture

    folder = tmp_path / "mysite"
    shutil.copytree(DEMO, folder)
    built = prepare_capture(folder)
    copy = built / "sources.yaml"
    assert copy.read_text(encoding="utf-8").startswith(f"{config.COPY_MARKER}{folder.resolve()}")
    # (validated without load_sources: tests/fuzz_support.py caches it by path)
    assert validate_registry(yaml.safe_load(copy.read_text(encoding="utf-8")), "x")[1] == []
    text = copy.read_text(encoding="utf-8").replace("Asia/Almaty", "Asia/Almati")
    copy.write_text(text, encoding="utf-8")  # someone edits the copy after all
    with pytest.raises(config.RegistryError) as info:
        config.load_sources(copy)
    assert info.value.errors[0].startswith(f"{folder.resolve() / 'sources.yaml'}: sources[0]")


def test_sources_check_prints_a_row_per_packaged_source(capsys):
    code, out, err = _run(capsys, ["sources", "check"])
    assert code == 0 and err == ""
    packaged = config.load_sources(config.PACKAGED_REGISTRY)
    header, *rows = out.split("\n\n")[0].splitlines()
    assert header.split() == [
        "id", "languages", "zone", "feeds", "listings", "sitemaps", "checked"
    ]  # fmt: skip
    assert [row.split()[0] for row in rows] == list(packaged)
    by_id = {row.split()[0]: row.split() for row in rows}
    assert by_id["tengrinews_ru"] == ["tengrinews_ru", "ru", "Asia/Almaty", "1", "2", "1", "never"]
    assert by_id["lada_kz"][2] == "Asia/Aqtau"
    assert f"{config.PACKAGED_REGISTRY}: valid, {len(packaged)} source(s)" in out


def test_sources_check_one_source(capsys):
    code, out, _ = _run(capsys, ["sources", "check", "--source", "baribar_kk"])
    assert code == 0
    assert [line.split()[0] for line in out.split("\n\n")[0].splitlines()] == ["id", "baribar_kk"]
