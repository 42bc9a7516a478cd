"""The severity table: what a failing check does, per source, from the registry."""

from dataclasses import replace

import pytest
import yaml
from mediamon.config import RegistryError, load_sources
from mediamon.quality.checks import validate_batch
from mediamon.quality.severity import gated, resolve, table_for
from support import make_source
from test_quality import SOURCE, article

REGISTRY = {"sources": [{
    "id": "demo", "homepage": "https://demo.kz/", "languages": ["ru"],
    "timezone": "Asia/Almaty", "feeds": [{"id": "rss", "url": "https://demo.kz/rss"}],
}]}  # fmt: skip


def registry(tmp_path, monkeypatch, **extra):
    raw = {"sources": [{**REGISTRY["sources"][0], **extra}]}
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv("MEDIAMON_SOURCES", str(tmp_path / "sources.yaml"))
    return load_sources()["demo"]


def test_defaults_and_overrides_longest_key_wins(tmp_path, monkeypatch):
    source = registry(tmp_path, monkeypatch,
                      severity={"article.language.": "warn", "drift.author_fill_rate": "fail",
                                "article.": "fail"},
                      fail_on=["batch.reconciliation"])  # fmt: skip
    table = table_for(source)
    assert resolve("article.language.of_source", table) == "warn"
    assert resolve("article.body.min_length", table) == "fail"  # the source's "article."
    assert resolve("headline.duplicate_title", table) == "quarantine"  # the default
    assert resolve("headline.new_today", table) == "info"
    assert resolve("drift.author_fill_rate", table) == "fail"
    assert resolve("drift.date_hit_rate", table) == "warn"
    assert resolve("batch.reconciliation", table) == "fail"  # fail_on is shorthand


def test_registry_refuses_unknown_severities_and_quarantined_batches(tmp_path, monkeypatch):
    with pytest.raises(RegistryError, match="severity must be one of"):
        registry(tmp_path, monkeypatch, severity={"drift.": "panic"})
    with pytest.raises(RegistryError, match="only row checks"):
        registry(tmp_path, monkeypatch, severity={"drift.": "quarantine"})
    with pytest.raises(RegistryError, match="must map"):
        registry(tmp_path, monkeypatch, severity=["drift."])


def test_warn_loads_the_row_and_says_so_fail_quarantines_and_gates():
    rows = [article("https://a.kz/1"), article("https://a.kz/2", language="en")]
    strict = validate_batch(rows, [], source=SOURCE)
    assert [q["record"]["url"] for q in strict.quarantine] == ["https://a.kz/2"]

    lenient = replace(SOURCE, severity={"article.language.of_source": "warn"})
    outcome = validate_batch(rows, [], source=lenient)
    assert [a["url"] for a in outcome.articles] == ["https://a.kz/1", "https://a.kz/2"]
    assert outcome.quarantine == []
    row = next(r for r in outcome.dq_results if r["check_name"] == "article.language.of_source")
    assert (row["severity"], row["success"], row["unexpected"]) == ("warn", False, 1)
    assert row["unexpected_sample"] == ["https://a.kz/2"]
    assert gated(outcome.dq_results) == []

    failing = replace(SOURCE, severity={"article.language.": "fail"})
    outcome = validate_batch(rows, [], source=failing)
    assert [q["record"]["url"] for q in outcome.quarantine] == ["https://a.kz/2"]
    assert gated(outcome.dq_results) == ["article.language.of_source"]


def test_make_source_default_table_matches_previous_behaviour():
    table = table_for(make_source())
    assert resolve("article.url.absolute", table) == "quarantine"
    assert resolve("drift.articles", table) == "warn"
    assert resolve("batch.reconciliation", table) == "warn"
