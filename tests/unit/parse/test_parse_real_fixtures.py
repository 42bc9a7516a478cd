"""The parsers on real pages and feeds (../shared/fixtures/real, see its README).

Skipped when the folder is absent. Accuracy floors are the figures measured when these tests
were written; a change that lowers them is a regression (raise them when accuracy improves).
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from mediamon.parse import parse_article, parse_feed, parse_listing

FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)  # after every page in the set


def real_fixtures_root() -> Path:
    """``$MEDIAMON_REAL_FIXTURES`` or ``<repo>/../shared/fixtures/real``."""
    env = os.environ.get("MEDIAMON_REAL_FIXTURES")
    repo = Path(__file__).resolve().parents[3]
    return Path(env) if env else (repo / "../shared/fixtures/real").resolve()


@pytest.fixture(scope="module")
def real_root() -> Path:
    root = real_fixtures_root()
    if not (root / "MANIFEST.tsv").is_file():
        pytest.skip(
            f"real fixtures not found at {root} (set MEDIAMON_REAL_FIXTURES to the folder "
            "holding MANIFEST.tsv)"
        )
    return root


_ESCAPES = {"\\": "\\", "t": "\t", "r": "\r", "n": "\n"}


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), value)


@pytest.fixture(scope="module")
def manifest(real_root: Path) -> list[dict[str, str]]:
    """MANIFEST.tsv rows as dicts (fields un-escaped as its README says)."""
    with open(real_root / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        return [dict(zip(header, map(_unescape, row), strict=False)) for row in reader]


# Outlet time zones, for comparing day-precision gold dates in the outlet's local day.
# Outlets not listed (and pages without a known URL) are compared in UTC.
ZONES = {
    "inform.kz": "Asia/Almaty",
    "mk.ru": "Europe/Moscow",
    "ukrinform.ru": "Europe/Kyiv",
    "zaxid.net": "Europe/Kyiv",
    "actualno.com": "Europe/Sofia",
    "deutschlandfunk.de": "Europe/Berlin",
    "cicero.de": "Europe/Berlin",
    "taz.de": "Europe/Berlin",
    "thelocal.se": "Europe/Stockholm",
    "bbc.com": "Europe/London",
    "twincities.com": "America/Chicago",
    "bostonherald.com": "America/New_York",
    "politico.com": "America/New_York",
    "acpjournals.org": "America/New_York",
    "cnn.com": "America/New_York",
    "cleveland.com": "America/New_York",
    "time.com": "America/New_York",
    "googleblog.com": "America/Los_Angeles",
    "fox13now.com": "America/Denver",
    "ultimasnoticias.com.ve": "America/Caracas",
    "kbs.co.kr": "Asia/Seoul",
    "yna.co.kr": "Asia/Seoul",
    "nhk.or.jp": "Asia/Tokyo",
    "afpbb.com": "Asia/Tokyo",
    "chinadaily.com.cn": "Asia/Shanghai",
    "linknaija.com": "Africa/Lagos",
    "oneesports.gg": "Asia/Manila",
}

# Measured with PARSER_VERSION 0.3.0 (see the module docstring).
DATE_FLOOR = 37  # of 40 article rows with a gold date
TITLE_FLOOR = 42  # of 43 article rows with a gold title


def page_url(row: dict) -> str | None:
    m = re.search(r"url=(\S+?);", row["notes"] + ";")
    return m[1] if m else None


def zone_for(url: str | None) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    for domain, zone in ZONES.items():
        if host == domain or host.endswith("." + domain):
            return zone
    return "UTC"


def normalise_title(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text)  # some gold titles keep the feed's inline markup
    text = unicodedata.normalize("NFKC", html.unescape(text)).casefold()
    text = re.sub(r"[\"'«»„“”‘’‚‹›]", "", text)
    return " ".join(text.split()).strip(" .:-–—|")


def title_matches(found: str | None, gold: str) -> bool:
    if not found:
        return False
    a, b = normalise_title(found), normalise_title(gold)
    return a == b or (min(len(a), len(b)) >= 10 and (a in b or b in a))


def same_day(gold: str, published: datetime, zone: str) -> bool:
    """Gold day (its first 10 characters) equals our instant's day in the outlet's zone, or,
    for a gold timestamp with an offset, our day read in that offset."""
    if published.astimezone(ZoneInfo(zone)).date().isoformat() == gold[:10]:
        return True
    gold_dt = datetime.fromisoformat(gold) if "T" in gold else None
    if gold_dt is not None and gold_dt.tzinfo is not None:
        return published.astimezone(gold_dt.tzinfo).date() == gold_dt.date()
    return False


@pytest.fixture(scope="module")
def article_results(manifest, real_root: Path) -> list[tuple[dict, dict, str]]:
    results = []
    for row in manifest:
        if row["kind"] != "article" or not (row["gold_date"] or row["gold_title"]):
            continue
        url = page_url(row) or f"https://fixtures.invalid/{row['local_path']}"
        zone = zone_for(page_url(row))
        source = SimpleNamespace(
            id=row["local_path"].split("/")[0],
            timezone=zone,
            languages=(row["language"],),
            homepage=url,
            article=None,
        )
        body = (real_root / row["local_path"]).read_bytes()
        rec = parse_article(body, url, source=source, fetched_at=FETCHED_AT)
        results.append((row, rec, zone))
    return results


def test_article_dates_match_gold_day(article_results):
    rows = [(row, rec, zone) for row, rec, zone in article_results if row["gold_date"]]
    hits, misses = 0, []
    for row, rec, zone in rows:
        assert rec["published_at"] is None or rec["published_at"].tzinfo is not None
        if rec["published_at"] is None:
            assert rec["published_at_reason"], row["local_path"]
            misses.append((row["local_path"], row["gold_date"], rec["published_at_reason"]))
            continue
        if same_day(row["gold_date"], rec["published_at"], zone):
            hits += 1
        else:
            misses.append((row["local_path"], row["gold_date"], rec["published_at"].isoformat()))
    print(f"\ndates matching gold day: {hits} of {len(rows)}")
    assert len(rows) == 40
    assert hits >= DATE_FLOOR, f"{hits} of {len(rows)}; misses: {misses}"


def test_article_titles_match_gold(article_results):
    rows = [(row, rec) for row, rec, _ in article_results if row["gold_title"]]
    hits = sum(title_matches(rec["title"], row["gold_title"]) for row, rec in rows)
    misses = [
        (r["gold_title"], rec["title"])
        for r, rec in rows
        if not title_matches(rec["title"], r["gold_title"])
    ]
    print(f"\ntitles matching gold: {hits} of {len(rows)}")
    assert len(rows) == 43
    assert hits >= TITLE_FLOOR, f"{hits} of {len(rows)}; misses: {misses}"


def test_kazinform_page_in_almaty_time(article_results):
    (rec,) = [rec for row, rec, _ in article_results if "inform.kz" in row["notes"]]
    assert rec["published_at"] == datetime(2020, 12, 1, 14, 2, tzinfo=ZoneInfo("Asia/Almaty"))
    assert rec["published_at"].utcoffset().total_seconds() == 6 * 3600  # UTC+6 before 2024
    assert rec["authors_status"] == "editorial"  # "Казинформ", the agency itself


# trafilatura's hand-labelled authors; measured 0.89 since a story signed only by its outlet
# (JSON-LD author = the publisher) gives the outlet: this gold leaves the BBC page empty,
# readability's gold (bbc-1) and fundus's name the outlet
BYLINE_F1_FLOOR = 0.88


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", unicodedata.normalize("NFKC", name).casefold()).split())


def test_bylines_against_trafilatura_gold(article_results, real_root):
    """Names (case and punctuation aside) against the trafilatura evaluation set's authors;
    ", PhD" suffixes in the gold are cut, as the cleaner does."""
    tp = fp = fn = 0
    for row, rec, _ in article_results:
        side = real_root / "adbar_trafilatura/gold" / (Path(row["local_path"]).name + ".json")
        if not row["local_path"].startswith("adbar_trafilatura/") or not side.is_file():
            continue
        gold_raw = json.loads(side.read_text(encoding="utf-8")).get("author") or []
        gold_raw = gold_raw if isinstance(gold_raw, list) else [gold_raw]
        gold = {_name_key(re.sub(r",?\s+PhD$", "", g)) for g in gold_raw}
        found = {_name_key(n) for n in rec["authors"]}
        if " ".join(sorted(found)).split() == " ".join(sorted(gold)).split():
            found = gold  # one organisation written as two pieces ("AFP/The Local")
        tp, fp, fn = tp + len(found & gold), fp + len(found - gold), fn + len(gold - found)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"\nbylines vs trafilatura gold: P {precision:.2f} R {recall:.2f} F1 {f1:.2f}")
    assert f1 >= BYLINE_F1_FLOOR


def test_nur_kz_article_through_its_site_profile(real_root):
    """The saved nur.kz page (real head metadata, template placeholders in the body): the
    packaged nur.kz profile dates it from its <time class=datetime--publication> (+05:00),
    and placeholders ("{{$article->title}}") never become the title or the body."""
    from support import make_source

    body = (real_root / "Arystanbek360_Thesis/resources/views/new/show.blade.php").read_bytes()
    url = "https://www.nur.kz/politics/kazakhstan/2086925-bolshe-17-mlrd-tenge/"
    source = make_source(homepage="https://www.nur.kz/", sid="nur")
    rec = parse_article(body, url, source=source, fetched_at=FETCHED_AT)
    almaty = ZoneInfo("Asia/Almaty")
    assert rec["title"] == "Госорганы хотели нерационально потратить 17 млрд тенге в Казахстане"
    assert rec["published_at"] == datetime(2024, 4, 18, 10, 35, tzinfo=almaty)
    assert rec["published_at"].utcoffset().total_seconds() == 5 * 3600
    assert rec["date_source"] == "profile"
    assert rec["modified_at"] == datetime(2024, 4, 18, 11, 50, 12, tzinfo=almaty)
    assert rec["dates_disagree"] is False
    assert "{{" not in rec["body_text"] and "{!!" not in rec["body_text"]
    assert rec["language"] == "ru"
    assert all("facebook" not in a for a in rec["authors"])
    assert any("placeholder" in w for w in rec["warnings"])


def feed_rows(manifest):
    return [row for row in manifest if row["kind"] == "feed"]


def run_feed(real_root: Path, row: dict):
    source = SimpleNamespace(
        id="fixture",
        timezone="UTC",
        languages=("en",),
        homepage="https://fixtures.invalid/",
        article=None,
    )
    body = (real_root / row["local_path"]).read_bytes()
    return parse_feed(
        body, "https://fixtures.invalid/feed", source=source, list_id="feed", fetched_at=FETCHED_AT
    )


def test_every_feed_parses(manifest, real_root):
    rows = feed_rows(manifest)
    assert len(rows) == 31
    for row in rows:
        result = run_feed(real_root, row)
        for h in result.headlines:
            assert h["url"].startswith(("http://", "https://")), row["local_path"]
            assert h["published_at"] is None or h["published_at"].tzinfo is not None


def test_html_page_served_as_feed_is_refused(manifest, real_root):
    (row,) = [r for r in feed_rows(manifest) if r["local_path"].endswith("unrecognized.rss")]
    result = run_feed(real_root, row)
    assert result.headlines == []
    assert result.refused_reason == "not a feed: HTML page"


@pytest.mark.parametrize(("name", "count"), [("real-cnn.rss", 69), ("real-korean-times.rss", 195)])
def test_mediacloud_feed_entry_counts(manifest, real_root, name, count):
    (row,) = [r for r in feed_rows(manifest) if r["local_path"].endswith(name)]
    result = run_feed(real_root, row)
    assert result.refused_reason is None
    assert len(result.headlines) == count


def test_feed_first_items_match_gold(manifest, real_root):
    checked = 0
    for row in feed_rows(manifest):
        if not row["gold_title"]:
            continue
        first = run_feed(real_root, row).headlines[0]
        assert normalise_title(first["title"]) == normalise_title(row["gold_title"])
        if row["gold_date"]:
            assert first["published_at"] == datetime.fromisoformat(row["gold_date"])
        if row["gold_author"]:
            assert first["byline"] == row["gold_author"]
        checked += 1
    assert checked == 7


def test_windows_1251_feed_is_decoded(manifest, real_root):
    (row,) = [r for r in feed_rows(manifest) if "pravda" in r["local_path"]]
    result = run_feed(real_root, row)
    assert len(result.headlines) == 20
    assert all(re.search("[а-яА-Я]", h["title"]) for h in result.headlines)


# --- Kazakhstan front pages: headline lists against the hand-made gold -----------------------


@pytest.mark.parametrize(
    ("site", "captured", "min_titles"),
    [
        ("zakon.kz", datetime(2018, 3, 18, 19, 20), 201),
        ("baribar.kz", datetime(2018, 3, 23, 20), 30),
    ],
)
def test_front_page_lists_match_gold(real_root, site, captured, min_titles):
    folder = real_root / "kz_frontpages"
    gold = json.loads((folder / f"{site}.gold.json").read_text(encoding="utf-8"))
    body = (folder / f"{site}.html").read_bytes()
    base = f"https://{'www.' if site == 'zakon.kz' else ''}{site}/"
    source = SimpleNamespace(
        id=site, timezone="Asia/Almaty", languages=("ru", "kk"), homepage=base, article=None
    )
    fetched_at = captured.replace(tzinfo=ZoneInfo("Asia/Almaty"))
    titles = urls = total = 0
    for block in gold["blocks"]:
        items = [i for i in gold["items"] if i["block"] == block["block"]]
        listing = SimpleNamespace(
            id="front",
            url=base,
            selectors={
                "item": block["selector"],
                "title": "a",
                "link": "a",
                "date": "span.ln_time",
            },
        )
        result = parse_listing(body, base, source=source, listing=listing, fetched_at=fetched_at)
        assert len(result.headlines) == len(items), block["block"]
        for got, want in zip(result.headlines, items, strict=True):
            titles += got["title"] == want["title"]
            urls += got["url"] == urljoin(base, want["href"])
        total += len(items)
    print(f"\n{site}: titles {titles} of {total}, urls {urls} of {total}")
    assert urls == total
    assert titles >= min_titles


def test_zakon_feed_times_cross_midnight(real_root):
    folder = real_root / "kz_frontpages"
    listing = SimpleNamespace(
        id="lastnews",
        url="https://www.zakon.kz/",
        selectors={
            "item": "#lastnews .last_feed > ul > li",
            "title": "a",
            "link": "a",
            "date": "span.ln_time",
        },
    )
    source = SimpleNamespace(
        id="zakon",
        timezone="Asia/Almaty",
        languages=("ru",),
        homepage="https://www.zakon.kz/",
        article=None,
    )
    fetched_at = datetime(2018, 3, 18, 19, 20, tzinfo=ZoneInfo("Asia/Almaty"))
    result = parse_listing(
        (folder / "zakon.kz.html").read_bytes(),
        listing.url,
        source=source,
        listing=listing,
        fetched_at=fetched_at,
    )
    days = [h["published_at"].date().isoformat() for h in result.headlines]
    assert len(days) == 80
    assert days[0] == "2018-03-18" and days[-1] == "2018-03-17"
    assert days == sorted(days, reverse=True)  # one switch, at midnight
    assert all(h["published_at"].utcoffset().total_seconds() == 6 * 3600 for h in result.headlines)
