"""Full-text search on a real PostgreSQL: inflections (ru, kk), phrases, prefixes, ranking,
filters, quarantine, the CLI. Every text here is written for the test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from mediamon import search as search_module
from mediamon.cli import main
from mediamon.load.loader import load_batch
from mediamon.quality.checks import validate_batch
from mediamon.search import QueryError, kazakh_stem, parse_query, search
from support import make_source, migration

DAY = date(2024, 9, 8)
FETCHED = datetime(2024, 9, 8, 12, 0, tzinfo=UTC)
SOURCE = make_source(sid="demo", homepage="https://demo.kz/", languages=("ru", "kk", "en"))
OTHER = make_source(sid="other", homepage="https://other.kz/", languages=("ru", "kk", "en"))
FILLER = {
    "ru": " Об этом сообщили в пресс-службе, подробности будут позже.",
    "kk": " Бұл туралы баспасөз қызметі хабарлады, толығырақ кейін.",
    "en": " The press office said so, with more details to follow.",
}

RU_FORMS = {
    "Астана": ["Астана готовится к зиме", "Из Астаны вылетел рейс", "В Астане прошёл дождь"],
    "Токаев": ["Токаев подписал указ", "Указ Токаева опубликован", "Письмо Токаеву передали"],
}
KK_FORMS = {
    "Тоқаев": [
        "Тоқаев жаңа бағдарламаны таныстырды", "Тоқаевтың сөзі жиналыста талқыланды",
        "Тоқаевқа хат жолданды", "Журналистер Тоқаевты күтті", "Тоқаевпен кездесу өтті",
    ],
    "Астана": [
        "Астана күзде әдемі", "Астанада жаңбыр жауды", "Астанадан пойыз шықты",
        "Астанаға делегация келді",
    ],
    "Қазақстан": [
        "Қазақстан бидай экспорттайды", "Қазақстанның экономикасы өсті", "Қазақстанда сайлау өтті",
    ],
}  # fmt: skip
KK_UNRELATED = ["Алматыда ауа райы жылы болды", "Шымкентте жаңа саябақ ашылды"]


def article(url: str, title: str, body: str, language: str = "ru", day: date = DAY) -> dict:
    published = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
    return {
        "url": url, "canonical_url": url, "title": title, "authors": ["Айгуль Сапарова"],
        "authors_status": "present", "published_at": published, "modified_at": None,
        "fetched_at": max(FETCHED, published + timedelta(hours=1)), "language": language,
        "body_text": body + FILLER[language] * 4, "parser_version": "test",
    }  # fmt: skip


def load(db, articles=(), headlines=(), quarantine=(), source=SOURCE, day=DAY):
    load_batch(
        db, source, day, f"mediamon_daily:{day}", fetches=[], articles=list(articles),
        headlines=list(headlines), quarantine=list(quarantine), dq_results=[],
    )  # fmt: skip


def urls(hits) -> list[str]:
    return [h.url for h in hits]


def forms_corpus(db, forms: dict[str, list[str]], language: str, prefix: str) -> dict:
    """One article per form (the form in the body), keyed by URL; returns {base: [urls]}."""
    rows, by_base = [], {}
    for base, texts in forms.items():
        for i, text in enumerate(texts):
            url = f"https://demo.kz/{prefix}/{base}/{i}"
            rows.append(article(url, "Жаңалықтар" if language == "kk" else "Новости", text + ".",
                                language))  # fmt: skip
            by_base.setdefault(base, []).append(url)
    load(db, rows)
    return by_base


def recall(db, query: str, wanted: list[str], language: str) -> float:
    found = set(urls(search(db, query, languages=[language], limit=100)))
    return sum(u in found for u in wanted) / len(wanted)


def test_the_fold_is_the_migrations():
    frozen = migration("0008_search")
    assert (frozen.FOLD_FROM, frozen.FOLD_TO) == (
        search_module.FOLD_FROM, search_module.FOLD_TO,
    )  # fmt: skip


def test_query_syntax():
    assert parse_query('Астана "жаңа кітапхана" Тоқ*') == [
        search_module.Term((("Астана", False),), phrase=False),
        search_module.Term((("жаңа", False), ("кітапхана", False)), phrase=True),
        search_module.Term((("Тоқ", True),), phrase=False),
    ]
    assert parse_query("ремонт-дорог")[0].phrase  # a-b is the phrase "a b"
    for bad, says in [
        ("", "no words"), ("  ;; ", "no words"), ('"Астана', "unclosed quote"),
        ("*", "ends a word"), ("А*", "two letters"), ("Аст*ана", "ends a word"),
    ]:  # fmt: skip
        with pytest.raises(QueryError, match=says):
            parse_query(bad)


def test_kazakh_stem_removes_case_and_plural_endings():
    assert kazakh_stem("токаевтын") == "токаев"
    assert kazakh_stem("астанадан") == "астана"
    assert kazakh_stem("китаптардын") == "кита"  # plural + genitive; п alternates with б
    assert kazakh_stem("ел") == "ел"  # too short to lose anything


def test_a_russian_query_finds_the_inflected_forms(db):
    by_base = forms_corpus(db, RU_FORMS, "ru", "ru")
    for base, wanted in by_base.items():
        assert recall(db, base, wanted, "ru") == 1.0, base
    assert set(urls(search(db, "Астана"))) == set(by_base["Астана"])  # not the Токаев rows


def test_a_kazakh_query_finds_the_listed_inflections(db):
    by_base = forms_corpus(db, KK_FORMS, "kk", "kk")
    load(db, [article(f"https://demo.kz/kk/x/{i}", "Жаңалықтар", t + ".", "kk")
              for i, t in enumerate(KK_UNRELATED)])  # fmt: skip
    for base, wanted in by_base.items():
        assert recall(db, base, wanted, "kk") == 1.0, base
        assert set(urls(search(db, base))) == set(wanted), base  # nothing unrelated
        for text in KK_FORMS[base]:  # an inflected query finds the other forms too
            form = next(w for w in text.split() if w.startswith(base[:3]))
            assert recall(db, form, wanted, "kk") == 1.0, form
    # typed on a Russian keyboard (к for қ): the same rows
    assert set(urls(search(db, "Токаев", languages=["kk"]))) == set(by_base["Тоқаев"])


def test_phrase_and_prefix_queries(db):
    load(db, [
        article("https://demo.kz/p/1", "Новости", "Новый мост открыли в Павлодаре."),
        article("https://demo.kz/p/2", "Новости", "Мост в Павлодаре закрыли, новый откроют."),
        article("https://demo.kz/p/3", "News", "The pipeline across the Caspian was opened.",
                "en"),
        article("https://demo.kz/p/4", "News", "Pipelines leak, reports say.", "en"),
    ])  # fmt: skip
    assert urls(search(db, '"новый мост"')) == ["https://demo.kz/p/1"]
    assert set(urls(search(db, "новый мост"))) == {"https://demo.kz/p/1", "https://demo.kz/p/2"}
    assert urls(search(db, '"pipeline across the Caspian"')) == ["https://demo.kz/p/3"]
    assert set(urls(search(db, "pipel*"))) == {"https://demo.kz/p/3", "https://demo.kz/p/4"}
    assert set(urls(search(db, "Павлод*"))) == {"https://demo.kz/p/1", "https://demo.kz/p/2"}


def test_a_title_hit_ranks_above_a_body_only_hit(db):
    load(db, [
        article("https://demo.kz/r/body", "Новости дня",
                "Бюджет, бюджет и ещё раз бюджет: бюджет города обсудили."),
        article("https://demo.kz/r/title", "Маслихат утвердил бюджет", "Решение приняли."),
    ])  # fmt: skip
    hits = search(db, "бюджет")
    assert urls(hits) == ["https://demo.kz/r/title", "https://demo.kz/r/body"]
    assert [h.title_hit for h in hits] == [True, False]
    assert hits[1].rank > 0 and "[бюджет]" in hits[1].marked_snippet().lower()


def test_quarantined_rows_are_not_found(db):
    # the row checks send a too-short body to quarantine: it never reaches `articles`
    good = article("https://demo.kz/q/good", "Сейсмологи зафиксировали толчки", "Толчки слабые.")
    short = {**article("https://demo.kz/q/short", "Сейсмологи молчат", ""), "body_text": "Мало."}
    outcome = validate_batch([good, short], [], source=SOURCE)
    assert [q["record"]["url"] for q in outcome.quarantine] == ["https://demo.kz/q/short"]
    load(db, outcome.articles, quarantine=[
        {**q, "record_key": q["record"]["url"],
         "record": {k: str(v) for k, v in q["record"].items()}}
        for q in outcome.quarantine
    ])  # fmt: skip
    assert urls(search(db, "сейсмологи")) == ["https://demo.kz/q/good"]


def test_filters_by_day_source_and_language(db):
    load(db, [article("https://demo.kz/f/ru", "Паводок в Уральске", "Вода поднялась.")])
    load(db, [article("https://demo.kz/f/old", "Паводок отступил", "Вода ушла.",
                      day=date(2024, 9, 1))], day=date(2024, 9, 1))  # fmt: skip
    load(db, [article("https://other.kz/f/ru", "Паводок в Атырау", "Вода.")], source=OTHER)
    load(db, [article("https://demo.kz/f/en", "Паводок: flood in Uralsk", "Water rose.", "en")])
    assert len(search(db, "паводок")) == 4
    assert set(urls(search(db, "паводок", first=DAY, last=DAY))) == {
        "https://demo.kz/f/ru", "https://other.kz/f/ru", "https://demo.kz/f/en",
    }  # fmt: skip
    assert urls(search(db, "паводок", last=date(2024, 9, 7))) == ["https://demo.kz/f/old"]
    assert urls(search(db, "паводок", sources=["other"])) == ["https://other.kz/f/ru"]
    assert urls(search(db, "паводок", languages=["en"])) == ["https://demo.kz/f/en"]
    assert len(search(db, "паводок", limit=2)) == 2
    with pytest.raises(QueryError, match="limit"):
        search(db, "паводок", limit=0)


def test_a_headline_without_its_article_is_found_once(db):
    headline = {
        "list_id": "rss", "list_kind": "feed", "position": 1, "language": "ru",
        "title": "Снегопад парализовал трассу", "url": "https://demo.kz/h/1",
        "canonical_url": "https://demo.kz/h/1",
    }  # fmt: skip
    loaded = article("https://demo.kz/h/2", "Снегопад закончился", "Дороги расчистили.")
    load(db, [loaded], [headline, {**headline, "list_id": "ticker"},
                        {**headline, "title": loaded["title"], "url": loaded["url"],
                         "canonical_url": loaded["url"]}])  # fmt: skip
    hits = search(db, "снегопад")
    assert sorted((h.kind, h.url) for h in hits) == [
        ("article", "https://demo.kz/h/2"), ("headline", "https://demo.kz/h/1"),
    ]  # fmt: skip


def test_the_query_is_never_sql(db):
    load(db, [article("https://demo.kz/i/1", "Обычная новость", "Текст новости.")])
    for query in ["'; drop table articles; --", "новость' or '1'='1", "a & b | !c", "%(q_ru)s"]:
        search(db, query)  # no error, no effect
    db.rollback()
    assert urls(search(db, "новость")) == ["https://demo.kz/i/1"]


def test_cli_prints_the_hits_as_a_table(warehouse, db, capsys):
    load(db, [article("https://demo.kz/c/1", "В Астане открыли новый мост",
                      "Мост через Есиль в Астане открыли для машин.")])  # fmt: skip
    assert main(["search", "Астана", "--from", "2024-09-08", "--language", "ru"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["outlet", "day", "title", "snippet", "url"]
    assert out[1].startswith("demo    2024-09-08  В Астане открыли новый мост  ")
    assert "[Астане] открыли для машин." in out[1]
    assert out[1].endswith("https://demo.kz/c/1")
    assert main(["search", '"Астана']) == 2
    assert "unclosed quote" in capsys.readouterr().err
    assert main(["search", "Астана", "--source", "nope"]) == 2  # as export and the read API say
    assert "unknown source nope (the warehouse has: demo" in capsys.readouterr().err
