"""config: settings from the environment and load_sources' validation of the registry."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
import yaml
from mediamon import config
from mediamon.config import Feed, RegistryError, load_sources
from support import DEMO

DEMO_HOST = "exclusive.kz.example"


def _valid_source(sid: str = "alpha") -> dict:
    return {
        "id": sid,
        "name": "Alpha News",
        "homepage": "https://www.alpha.example/",
        "languages": ["ru", "kk"],
        "timezone": "Asia/Almaty",
        "first_year": 2005,
        "feeds": [{"id": "rss", "url": "https://alpha.example/rss.xml"}],
        "listings": [
            {
                "id": "latest",
                "url": "https://alpha.example/latest/",
                "max_pages": 2,
                "selectors": {"item": "li", "title": "a", "link": "a", "next_page": "a.next"},
            }
        ],
        "sitemaps": [{"id": "news_sitemap", "url": "https://alpha.example/sitemap-news.xml"}],
        "article": {"title": "h1", "body": "div.text"},
    }


def _write(tmp_path: Path, doc: object, name: str = "sources.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _registry_error(path: Path) -> str:
    with pytest.raises(RegistryError) as info:
        load_sources(path)
    message = str(info.value)
    assert str(path) in message, message  # every message names the file
    return message


# --- the demo and packaged registries ------------------------------------------------------


def test_demo_registry_loads_with_its_lists_and_hosts():
    sources = load_sources(DEMO / "sources.yaml")
    assert list(sources) == ["exclusive_demo"]
    src = sources["exclusive_demo"]
    assert src.name == "Exclusive (demo, fictional)"
    assert src.homepage == f"https://{DEMO_HOST}/"
    assert src.languages == ("ru", "kk")
    assert src.timezone == "Asia/Almaty"
    assert src.zone.key == "Asia/Almaty"
    assert src.first_year == 2010
    assert src.max_articles == 200
    assert src.feeds == (Feed(id="rss", url=f"https://{DEMO_HOST}/rss.xml"),)
    assert [x.id for x in src.listings] == ["society", "ticker"]
    society, ticker = src.listings
    assert society.url == f"https://{DEMO_HOST}/category/obshchestvo/"
    assert society.max_pages == 3
    assert set(society.selectors) == {"item", "title", "link", "byline", "next_page"}
    assert society.selectors["next_page"] == "div.pagination a.next"
    assert ticker.url == f"https://{DEMO_HOST}/"
    assert ticker.max_pages == 1
    assert ticker.selectors == {"item": "#news-ticker li", "title": "a", "link": "a"}
    assert src.sitemaps == ()
    assert set(src.article) == {"title", "byline", "date", "body", "section"}
    assert src.hosts == (DEMO_HOST, f"www.{DEMO_HOST}")


@pytest.mark.parametrize(
    ("url", "owned"),
    [
        (f"https://{DEMO_HOST}/news/2024/09/08/x.html", True),
        (f"http://www.{DEMO_HOST}/archives/1/", True),
        (f"https://{DEMO_HOST.upper()}/a", True),  # urlsplit lower-cases the host name
        (f"https://{DEMO_HOST}.evil.example/a", False),
        (f"https://m.{DEMO_HOST}/a", False),
        ("https://other.example/a", False),
        ("/news/relative.html", False),
    ],
)
def test_demo_source_owns_only_its_hosts(url, owned):
    src = load_sources(DEMO / "sources.yaml")["exclusive_demo"]
    assert src.owns(url) is owned


def test_www_homepage_gives_bare_and_www_hosts_plus_extra_hosts(tmp_path):
    raw = _valid_source()
    raw["extra_hosts"] = ["m.alpha.example"]
    src = load_sources(_write(tmp_path, {"sources": [raw]}))["alpha"]
    assert src.hosts == ("alpha.example", "www.alpha.example", "m.alpha.example")
    assert src.owns("https://m.alpha.example/news/1")
    assert [s.id for s in src.sitemaps] == ["news_sitemap"]
    assert src.listings[0].max_pages == 2


def test_sources_keep_file_order(tmp_path):
    path = _write(tmp_path, {"sources": [_valid_source(s) for s in ("zeta", "alpha", "mid")]})
    assert list(load_sources(path)) == ["zeta", "alpha", "mid"]


def test_packaged_registry_loads():
    sources = load_sources(config.PACKAGED_REGISTRY)
    assert sources
    for src in sources.values():
        assert src.feeds or src.listings or src.sitemaps
        assert src.owns(src.homepage)


def test_load_sources_without_argument_reads_mediamon_sources(tmp_path, monkeypatch):
    path = _write(tmp_path, {"sources": [_valid_source("from_env")]})
    monkeypatch.setenv("MEDIAMON_SOURCES", str(path))
    assert config.registry_path() == path
    assert list(load_sources()) == ["from_env"]
    monkeypatch.delenv("MEDIAMON_SOURCES")
    assert config.registry_path() == config.PACKAGED_REGISTRY


def test_settings_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIAMON_DATA_DIR", str(tmp_path / "state" / "var"))
    path = config.data_dir()
    assert path == (tmp_path / "state" / "var").resolve()
    assert path.is_dir()
    monkeypatch.setenv("MEDIAMON_REPLAY", "http://127.0.0.1:8765")
    assert config.replay_url() == "http://127.0.0.1:8765"
    monkeypatch.setenv("MEDIAMON_REPLAY", "")
    assert config.replay_url() is None


@pytest.mark.parametrize("max_pages", [1, 100])
def test_max_pages_bounds_are_accepted(tmp_path, max_pages):
    raw = _valid_source()
    raw["listings"][0]["max_pages"] = max_pages
    src = load_sources(_write(tmp_path, {"sources": [raw]}))["alpha"]
    assert src.listings[0].max_pages == max_pages


# --- errors ---------------------------------------------------------------------------------


def _drop(key):
    def edit(raw):
        del raw[key]

    return edit


def _set(key, value):
    def edit(raw):
        raw[key] = value

    return edit


def _set_listing(key, value):
    def edit(raw):
        raw["listings"][0][key] = value

    return edit


def _set_selectors(**changes):
    def edit(raw):
        selectors = raw["listings"][0]["selectors"]
        for key, value in changes.items():
            if value is None:
                del selectors[key]
            else:
                selectors[key] = value

    return edit


def _no_lists(raw):
    raw["feeds"], raw["listings"], raw["sitemaps"] = [], [], []


def _duplicate_list_id(raw):
    raw["sitemaps"][0]["id"] = "rss"


ERRORS = {
    "missing id": (_drop("id"), ["sources[0]", "missing or empty 'id'"]),
    "empty id": (_set("id", "  "), ["sources[0]", "missing or empty 'id'"]),
    "bad id pattern": (_set("id", "Alpha-News"), ["(Alpha-News)", "id must match"]),
    "id starts with a digit": (_set("id", "1alpha"), ["(1alpha)", "id must match"]),
    "unknown zone": (
        _set("timezone", "Asia/Atlantis"),
        ["(alpha)", "unknown IANA time zone 'Asia/Atlantis'"],
    ),
    "fixed offset is not a zone": (
        _set("timezone", "UTC+5"),
        ["unknown IANA time zone 'UTC+5'"],
    ),
    "missing timezone": (_drop("timezone"), ["missing or empty 'timezone'"]),
    "missing homepage": (_drop("homepage"), ["missing or empty 'homepage'"]),
    "relative homepage": (
        _set("homepage", "/index.html"),
        ["(alpha).homepage", "'/index.html' is not an absolute http(s) URL"],
    ),
    "ftp homepage": (
        _set("homepage", "ftp://alpha.example/"),
        ["(alpha).homepage", "is not an absolute http(s) URL"],
    ),
    "relative listing url": (
        _set_listing("url", "latest/"),
        ["listings[latest]", "'latest/' is not an absolute http(s) URL"],
    ),
    "listing without url": (_set_listing("url", None), ["listings[latest]", "'url'"]),
    "unknown listing selector": (
        _set_selectors(author=".by"),
        ["listings[latest]", "unknown selector keys ['author']"],
    ),
    "unknown article selector": (
        _set("article", {"title": "h1", "lede": "p.lead"}),
        ["(alpha).article", "unknown selector keys ['lede']"],
    ),
    "listing missing link selector": (
        _set_selectors(link=None),
        ["listings[latest]", "missing selector keys ['link']"],
    ),
    "listing missing item and title selectors": (
        _set_selectors(item=None, title=None),
        ["listings[latest]", "missing selector keys ['item', 'title']"],
    ),
    "empty selector": (
        _set_selectors(title=" "),
        ["listings[latest]", "selector 'title' must be a non-empty string"],
    ),
    "selectors not a mapping": (
        _set_listing("selectors", ["li", "a"]),
        ["listings[latest].selectors: must be a mapping"],
    ),
    "no feeds, listings or sitemaps": (
        _no_lists,
        ["(alpha)", "at least one feed, listing or sitemap"],
    ),
    "max_pages zero": (
        _set_listing("max_pages", 0),
        ["listings[latest].max_pages: must be an integer from 1 to 100"],
    ),
    "max_pages too large": (
        _set_listing("max_pages", 101),
        ["listings[latest].max_pages: must be an integer from 1 to 100"],
    ),
    "max_pages a string": (
        _set_listing("max_pages", "3"),
        ["listings[latest].max_pages: must be an integer from 1 to 100"],
    ),
    "bad list id": (
        _set("feeds", [{"id": "Main-RSS", "url": "https://alpha.example/rss"}]),
        ["list id 'Main-RSS' must match"],
    ),
    "feed not a mapping": (
        _set("feeds", ["https://alpha.example/rss"]),
        ["feeds[0]: must be a mapping"],
    ),
    "duplicate list id": (
        _duplicate_list_id,
        ["(alpha)", "feed/listing/sitemap ids must be unique", "'rss', 'latest', 'rss'"],
    ),
    "no languages": (_set("languages", []), ["(alpha).languages: must be a non-empty list"]),
    "three-letter language": (_set("languages", ["rus"]), ["ISO 639-1"]),
    "first_year not a year": (_set("first_year", 20), ["(alpha).first_year: must be a year"]),
    "empty source mapping": (lambda raw: raw.clear(), ["sources[0]", "missing or empty 'id'"]),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_registry_errors_name_the_field(tmp_path, case):
    edit, expected = ERRORS[case]
    raw = _valid_source()
    edit(raw)
    message = _registry_error(_write(tmp_path, {"sources": [raw]}))
    for fragment in expected:
        assert fragment in message, message


def test_source_entry_not_a_mapping(tmp_path):
    message = _registry_error(_write(tmp_path, {"sources": [_valid_source(), "beta"]}))
    assert "sources[1]: expected a mapping" in message


def test_duplicate_source_id(tmp_path):
    first, second = _valid_source("alpha"), copy.deepcopy(_valid_source("alpha"))
    second["homepage"] = "https://beta.example/"
    message = _registry_error(_write(tmp_path, {"sources": [first, second]}))
    assert "sources[1]" in message
    assert "duplicate source id 'alpha'" in message


@pytest.mark.parametrize(
    "doc",
    [
        {"sources": {"alpha": _valid_source()}},
        {"sources": None},
        {"feeds": []},
        [_valid_source()],
        "just a string",
    ],
    ids=["mapping", "null", "no-sources-key", "top-level-list", "scalar"],
)
def test_sources_must_be_a_list_under_a_mapping(tmp_path, doc):
    message = _registry_error(_write(tmp_path, doc))
    assert "expected a mapping with a 'sources' list" in message


def test_unparsable_yaml(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - id: alpha\n    feeds: [unclosed\n", encoding="utf-8")
    assert "cannot read registry" in _registry_error(path)


def test_empty_file(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("", encoding="utf-8")
    assert "expected a mapping with a 'sources' list" in _registry_error(path)


def test_missing_file(tmp_path):
    message = _registry_error(tmp_path / "absent.yaml")
    assert "cannot read registry" in message


def test_registry_not_utf8_raises_registry_error(tmp_path):
    path = tmp_path / "sources.yaml"
    text = yaml.safe_dump({"sources": [dict(_valid_source(), name="Альфа")]}, allow_unicode=True)
    path.write_bytes(text.encode("cp1251"))
    assert "cannot read registry" in _registry_error(path)


@pytest.mark.parametrize("value", ["many", -5])
def test_bad_max_articles_is_a_registry_error(tmp_path, value):
    raw = _valid_source()
    raw["max_articles"] = value
    assert "max_articles" in _registry_error(_write(tmp_path, {"sources": [raw]}))


def test_relative_feed_url_names_the_feed(tmp_path):
    raw = _valid_source()
    raw["feeds"] = [{"id": "rss", "url": "rss.xml"}]
    message = _registry_error(_write(tmp_path, {"sources": [raw]}))
    assert "is not an absolute http(s) URL" in message
    assert "feeds" in message, message


# --- the schema: the mistakes people make, one line each, all at once ------------------------


def _lines(path: Path) -> list[str]:
    with pytest.raises(RegistryError) as info:
        load_sources(path)
    lines = info.value.errors
    assert str(info.value).split("\n") == lines
    for line in lines:
        assert line.startswith(f"{path}: "), line  # the file, on every line
        assert "\n" not in line and "Traceback" not in line
    return lines


MISTAKES = {
    "misspelled key": (
        lambda raw: raw.update(listing=raw.pop("listings")),
        "sources[0] (alpha): unknown key 'listing' (did you mean 'listings'?)",
    ),
    "misspelled nested key": (
        lambda raw: raw["listings"][0].update(selector=raw["listings"][0].pop("selectors")),
        "sources[0] (alpha).listings[latest]: unknown key 'selector' (did you mean 'selectors'?)",
    ),
    "wrong zone": (
        _set("timezone", "Asia/Almati"),
        "sources[0] (alpha).timezone: unknown IANA time zone 'Asia/Almati' "
        "(did you mean 'Asia/Almaty'?)",
    ),
    "string for a list": (
        _set("extra_hosts", "evil.com"),
        "sources[0] (alpha).extra_hosts: must be a list, got a string 'evil.com'",
    ),
    "invalid css": (
        _set_selectors(item="div[[["),
        "sources[0] (alpha).listings[latest].selectors.item: invalid CSS 'div[[[': ",
    ),
    "css cssselect cannot translate": (
        _set("article", {"title": "h1:-soup-contains('x')"}),
        "sources[0] (alpha).article.title: invalid CSS \"h1:-soup-contains('x')\": ",
    ),
    "string for a bool": (
        _set("conditional_get", "no"),
        "sources[0] (alpha).conditional_get: must be true or false, got a string 'no'",
    ),
    "bad checked": (
        _set("checked", "yesterday"),
        "sources[0] (alpha).checked: must be 'never' or a date YYYY-MM-DD, got 'yesterday'",
    ),
    "feed with url and urls": (
        lambda raw: raw["feeds"][0].update(urls=["https://alpha.example/feed/"]),
        "sources[0] (alpha).feeds[rss]: give either url (one address) or urls",
    ),
    "relative candidate": (
        _set("feeds", [{"id": "rss", "urls": ["https://alpha.example/rss", "feed/"]}]),
        "sources[0] (alpha).feeds[rss].urls[1].url: 'feed/' is not an absolute http(s) URL",
    ),
}


@pytest.mark.parametrize("case", list(MISTAKES))
def test_each_mistake_is_one_line_naming_file_source_and_field(tmp_path, case):
    edit, expected = MISTAKES[case]
    raw = _valid_source()
    edit(raw)
    path = _write(tmp_path, {"sources": [raw]})
    lines = _lines(path)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: {expected}"), lines[0]


def test_every_error_of_every_source_is_reported_at_once(tmp_path):
    alpha, beta = _valid_source("alpha"), _valid_source("beta")
    alpha["timezone"] = "Asia/Almati"
    alpha["extra_hosts"] = "evil.com"
    alpha["listings"][0]["selectors"]["item"] = "div[[["
    beta["listing"] = beta.pop("listings")
    path = _write(tmp_path, {"sources": [alpha, beta, "gamma"], "source": []})
    lines = _lines(path)
    assert [line.removeprefix(f"{path}: ").split(":")[0] for line in lines] == [
        "unknown top-level key 'source' (did you mean 'sources'?)",
        "sources[0] (alpha).timezone",
        "sources[0] (alpha).listings[latest].selectors.item",
        "sources[0] (alpha).extra_hosts",
        "sources[1] (beta)",
        "sources[2]",
    ]


def test_a_registry_copied_into_a_capture_names_the_users_file(tmp_path):
    raw = _valid_source()
    raw["timezone"] = "Asia/Almati"
    user_file = _write(tmp_path, {"sources": [raw]})
    copy = tmp_path / "var" / "captures" / "site-0123abcd" / "sources.yaml"
    copy.parent.mkdir(parents=True)
    copy.write_text(f"{config.COPY_MARKER}{user_file}\n" + user_file.read_text(), "utf-8")
    (line,) = _lines_of(copy)
    assert line.startswith(f"{user_file}: sources[0] (alpha).timezone: "), line
    assert "captures" not in line


def _lines_of(path: Path) -> list[str]:
    with pytest.raises(RegistryError) as info:
        load_sources(path)
    return info.value.errors


def test_new_fields_evidence_checked_formats_and_feed_candidates(tmp_path):
    raw = _valid_source()
    raw.update(evidence="seen on the saved front page", checked="2026-11-30")
    raw.update(date_format="15:00, 23 Ноябрь 2025", byline_format="a name under the headline")
    raw["feeds"] = [
        {
            "id": "rss",
            "urls": [
                {"url": "https://alpha.example/news.rss", "evidence": "MEASURED 2026-09-24"},
                "https://alpha.example/rss/",
            ],
        }
    ]
    raw["sitemaps"][0]["evidence"] = "robots.txt Sitemap: line"
    raw["listings"].append({"id": "front", "url": "https://alpha.example/", "evidence": "home"})
    src = load_sources(_write(tmp_path, {"sources": [raw]}))["alpha"]
    assert src.evidence == "seen on the saved front page"
    assert src.checked == date(2026, 11, 30)
    assert src.date_format == "15:00, 23 Ноябрь 2025"
    assert src.byline_format == "a name under the headline"
    (feed,) = src.feeds
    assert feed.url == "https://alpha.example/news.rss"  # the first candidate is fetched
    assert feed.evidence == "MEASURED 2026-09-24"
    assert feed.candidates == ("https://alpha.example/news.rss", "https://alpha.example/rss/")
    assert src.sitemaps[0].evidence == "robots.txt Sitemap: line"
    front = src.listings[1]
    assert front.selectors == {} and front.evidence == "home"  # no selectors: allowed
    raw["checked"] = "never"
    assert load_sources(_write(tmp_path, {"sources": [raw]}))["alpha"].checked is None


def test_packaged_registry_is_the_real_press_with_evidence_for_every_url():
    sources = load_sources(config.PACKAGED_REGISTRY)
    assert len(sources) >= 30
    assert sum("kk" in s.languages for s in sources.values()) >= 10
    assert "exclusive_kz" in sources and "exclusive_demo" not in sources
    assert sources["exclusive_kz"].feeds == ()  # its old feed URL had no public evidence
    for src in sources.values():
        assert src.evidence and src.checked is None, src.id  # nothing checked live yet
        for item in (*src.feeds, *src.listings, *src.sitemaps):
            assert item.evidence, (src.id, item.id)
        for feed in src.feeds:
            assert all(c.evidence for c in feed.fallbacks), (src.id, feed.id)


def test_live_run_plans_every_packaged_source(monkeypatch):
    monkeypatch.delenv("MEDIAMON_SOURCES", raising=False)
    planned = config.select_sources()
    assert planned == list(load_sources(config.PACKAGED_REGISTRY))
    assert len(planned) >= 30
