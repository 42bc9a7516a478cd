"""`mediamon sources add` on a capture of the real zakon.kz front page writes an entry that
the next run over that capture uses to load the page's headlines (`mediamon backfill`: the
daily chain of `make run CAPTURE=...` without Airflow's scheduler)."""

from __future__ import annotations

from mediamon.cli import main
from mediamon.config import load_sources
from support import REAL_FIXTURES

PAGE = REAL_FIXTURES / "kz_frontpages" / "zakon.kz.html"


def test_sources_add_then_a_run_loads_the_front_pages_headlines(
    warehouse, db, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("MEDIAMON_REPLAY", "")  # the CLI sets both: restored after the test
    monkeypatch.setenv("MEDIAMON_SOURCES", "")
    folder = tmp_path / "zakon"
    folder.mkdir()
    # a capture folder of saved pages: the real page is read where it lies, never copied
    (folder / "urls.tsv").write_text(
        "local_path\turl\tcontent_type\tfetched_at\n"
        f"{PAGE}\thttps://www.zakon.kz/\ttext/html; charset=utf-8\t2018-03-18T13:20:00Z\n",
        encoding="utf-8",
    )
    registry = folder / "sources.yaml"
    argv = ["sources", "add", "https://www.zakon.kz/", "--capture", str(folder),
            "--registry", str(registry)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "languages  ru  (of the 103 headlines' languages: ru 103)" in out
    assert "time zone  Asia/Almaty, the default for .kz (the page states none)" in out
    assert "feed     https://www.zakon.kz/rss.xml" in out  # declared, absent from the capture
    assert f"wrote source zakon_kz to {registry} (validated)" in out
    source = load_sources(registry)["zakon_kz"]
    assert (source.languages, source.timezone, source.feeds) == (("ru",), "Asia/Almaty", ())
    assert [(x.id, x.url, x.selectors) for x in source.listings] == [
        ("front", "https://www.zakon.kz/", {})
    ]

    argv = ["backfill", "--from", "2018-03-18", "--to", "2018-03-18", "--capture", str(folder)]
    main(argv)  # flagged (the articles are not in the capture), not failed
    assert "2018-03-18 zakon_kz: flagged: 61 of 61 promised articles not captured" in (
        capsys.readouterr().out
    )
    with db.cursor() as cur:
        cur.execute(
            "select list_id, list_kind, count(*), count(distinct canonical_url), "
            "bool_or(title = %s) from headlines where source_id = 'zakon_kz' group by 1, 2",
            ('Жириновский планирует из Брюсселя командовать "всей планетой Земля"',),
        )
        assert cur.fetchall() == [("front", "listing", 103, 103, True)]
        cur.execute("select kind, status from fetches where kind <> 'article'")
        assert cur.fetchall() == [("listing", 200)]
