"""``mediamon parse-article``: one JSON object for any parseable page, exit 2 for unreadable
input."""

import gzip
import json

from mediamon.cli import main

PAGE = """<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">
<title>Маслихат одобрил поправки | Exclusive</title>
<link rel="canonical" href="https://exclusive.kz/archives/7/"></head><body>
<header class="site-header"><div class="header-date">воскресенье, 08 сентября 2024</div></header>
<article><h1>Маслихат одобрил поправки</h1><div class="byline">Автор: Жарас Ахметов</div>
<span class="date">вчера, 09:15</span>
<p>Депутаты маслихата обсудили поправки в бюджет города и решили направить часть средств
на ремонт школ и поликлиник в старых районах.</p></article></body></html>"""


def run(capsys, *argv):
    code = main(["parse-article", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_one_json_object(tmp_path, capsys):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    code, out, _ = run(
        capsys, path, "--url", "https://exclusive.kz/archives/7/",
        "--fetched-at", "2024-09-08T14:00:00+05:00", "--content-type", "text/html",
    )  # fmt: skip
    assert code == 0
    rec = json.loads(out)
    assert rec["title"] == "Маслихат одобрил поправки"
    assert rec["authors"] == ["Жарас Ахметов"] and rec["byline_kind"] == "person"
    assert rec["published_at"] == "2024-09-07T09:15:00+05:00"
    assert rec["published_local_date"] == "2024-09-07"
    assert rec["date_source"] == "visible" and rec["title_source"] in ("h1", "title_tag")
    assert rec["canonical_url"] == "https://exclusive.kz/archives/7"
    for key in ("url", "modified_at", "section", "language", "body_text", "authors_source",
                "parser_version", "warnings", "encoding_repaired", "dates_disagree"):  # fmt: skip
        assert key in rec
    assert rec["language"] == "ru"


def test_relative_date_needs_the_fetch_time_in_the_source_zone(tmp_path, capsys):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    # 20:30 UTC on the 7th is 01:30 on the 8th in Almaty: "вчера" is the 7th there
    _, out, _ = run(capsys, path, "--fetched-at", "2024-09-07T20:30:00Z")
    rec = json.loads(out)
    assert rec["published_local_date"] == "2024-09-07"
    assert rec["url"] == "https://exclusive.kz/archives/7/"  # from the canonical link
    assert any("url not given" in w for w in rec["warnings"])


def test_gzipped_page_and_page_without_anything(tmp_path, capsys):
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(PAGE.encode()))
    code, out, _ = run(capsys, path, "--fetched-at", "2024-09-08T14:00:00+05:00")
    assert code == 0 and json.loads(out)["title"] == "Маслихат одобрил поправки"
    bare = tmp_path / "bare.html"
    bare.write_text("<p>просто текст</p>", encoding="utf-8")
    code, out, _ = run(capsys, bare)
    assert code == 0
    rec = json.loads(out)
    assert rec["published_at"] is None and rec["published_at_reason"]


def test_unreadable_input_is_a_clear_error(tmp_path, capsys):
    code, out, err = run(capsys, tmp_path / "missing.html")
    assert code == 2 and out == "" and "no such file" in err
    code, _, err = run(capsys, tmp_path)
    assert code == 2 and "directory" in err
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    code, _, err = run(capsys, empty)
    assert code == 2 and "empty" in err
    page = tmp_path / "p.html"
    page.write_text(PAGE, encoding="utf-8")
    code, _, err = run(capsys, page, "--fetched-at", "yesterday")
    assert code == 2 and "ISO 8601" in err
