"""Whole-pipeline fuzzing: mutated captures through parse → validate → load on PostgreSQL.

Shared by the small fuzz test in ``make test`` (tests/faults/test_pipeline_fuzz.py) and the
full-size runner (bench/fuzz_pipeline.py). An :class:`Input` is one exchange of a capture:
a seed of :mod:`fuzz_support` (real pages, feeds and listings, else the demo site's; sitemaps
generated here) mutated as there, then hostile values put where the parsers look (titles,
dates, bylines, links: lone surrogates, NUL, bidi controls, 10,000-character titles, absurd
dates, markup), the whole body re-encoded in another charset or blown up in size, served
with lying or missing headers (Content-Type, Content-Encoding: gzip, deflate, a truncated
stream, a decompression bomb), an odd status, at a hostile URL, or no response at all.

Many inputs share one source-day capture (:func:`write_capture`); each URL holds the input's
index (``/fuzz/<i>/``), so a row, a log line or a quarantine reason names its input.
:func:`run_day` runs the day through :func:`mediamon.pipeline.process_capture` and
:func:`check_day` asserts what a source-day guarantees, from the warehouse:

- it loads (no exception; a failure of the whole batch is the only allowed way to fail, and
  none of these inputs may cause one);
- every exchange has its ``fetches`` row, and ``fetched = loaded + quarantined + refused``
  (the stored ``batch.reconciliation`` row agrees and counts no silent drop);
- every article and headline the validated batch kept is in the warehouse;
- every quarantine row of the day has a reason (a non-blank string).

Sources rotate (``fuzz00`` .. ``fuzz19``, the demo outlet's registry entry under new ids) and
each source's days are 15 days apart, past the drift baseline (14 days): every day is judged
alone, as a first day.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml
from fuzz_support import WINDOW, load_seeds, mutated
from hypothesis import strategies as st
from support import DEMO

HOST = "https://exclusive.kz.example"
SOURCES = 20
FIRST_DAY = date(2023, 1, 1)
DAY_STEP = 15  # > the drift baseline's 14 days
KINDS = ("article", "article", "article", "feed", "listing", "sitemap")  # weights
DEFAULT_TYPE = {"article": "text/html; charset=utf-8", "feed": "application/rss+xml",
                "listing": "text/html; charset=utf-8", "sitemap": "application/xml"}  # fmt: skip
LIST_IDS = {"feed": ["rss"], "listing": ["society", "society", "ticker", "gone"],
            "sitemap": ["sitemap"], "article": [None]}  # fmt: skip

HOSTILE_TEXT = [
    "\ud800", "\udfff", "\ud83d\ude00", "\x00", "a\x00b", "\u202eevil\u202c", "\u200f\u200e",
    "\ufeff", "\u2028\u2029", "e\u0301" * 300, "\u200b" * 2000, "𝕏" * 300, "😀" * 500,
    "Очень длинный заголовок " * 420, "A" * 10_000, "مرحبا بالعالم שלום", "中文标题",
    "<img src=x onerror=alert(document.cookie)>", "<script>alert(1)</script>",
    "'); drop table articles; --", "%s%n%x", "\\", '"', "&amp;&lt;&#0;&#xD800;", "\t\r\n",
    "\x1b[31m", "\x7f\x80\x9f", "  ", "",
]  # fmt: skip
HOSTILE_DATES = [
    "0000-00-00T00:00:00Z", "0001-01-01T00:00:00+05:00", "-1000000000", "10000-01-01",
    "9999-12-31T23:59:59Z", "1e400", "2024-02-30T25:61:61Z", "Mon, 99 Foo 2024", "NaN",
    "1970-01-01T00:00:00Z", "2100-01-01", "2024-09-08T10:00:00+99:00", "", "２０２４-０９-０８",
    "Sun, 08 Sep 0000 05:00:00 GMT", "99999999999999999999", "2024-09-08T10:00:00 ALMT",
    "вчера", "2 часа назад", "2024-13-45",
]  # fmt: skip
HOSTILE_LINKS = [
    "http://[::1", "javascript:alert(1)", "//", "", " ",
    "http://exclusive.kz.example/" + "a" * 9000,
    "https://exclusive.kz.example/новости/\u202e.html", "https://exclusive.kz.example/%zz%00",
    "data:text/html,<script>", "mailto:x@y", "http://169.254.169.254/latest", "file:///etc/passwd",
    "https://exclusive.kz.example/\x00", "ftp://x", "https://user:pass@exclusive.kz.example/",
]  # fmt: skip
# where each value goes: a pattern whose group 1 is replaced (the first match only)
_FIELDS = {
    "text": [rb"<title[^>]*>(.*?)</title>", rb"<h1[^>]*>(.*?)</h1>",
             rb'"headline"\s*:\s*"((?:[^"\\]|\\.)*)"', rb'og:title"\s+content="([^"]*)"',
             rb"<a [^>]*>([^<]*)</a>", rb'"author"\s*:\s*"((?:[^"\\]|\\.)*)"',
             rb'name="author"\s+content="([^"]*)"', rb"<(?:dc:creator|author)>(.*?)</"],
    "date": [rb'datetime="([^"]*)"', rb"<pubDate>(.*?)</pubDate>", rb"<lastmod>(.*?)</lastmod>",
             rb'"datePublished"\s*:\s*"([^"]*)"', rb'published_time"\s+content="([^"]*)"',
             rb"<(?:updated|published|dc:date)>(.*?)</"],
    "link": [rb"<link>(.*?)</link>", rb'href="([^"]*)"', rb"<loc>(.*?)</loc>",
             rb'rel="canonical"\s+href="([^"]*)"'],
}  # fmt: skip
_CODECS = ["cp1251", "koi8-r", "utf-16", "utf-16-le", "latin-1", "utf-32", "shift_jis", "cp866"]
_TYPES = ["text/html", "text/html; charset=windows-1251", "text/html; charset=koi8-r",
          "text/html; charset=utf-16", "text/html; charset=x-bogus", "application/xml",
          "text/plain", "application/octet-stream", "image/png", "",
          "application/rss+xml; charset=utf-8", 'text/html; charset="utf-8"; boundary=x',
          "TEXT/HTML;CHARSET=UTF8"]  # fmt: skip
_ENCODINGS = ["gzip", "deflate", "deflate-raw", "gzip-truncated", "br", "gzip-bomb", "identity",
              "gzip, gzip", "x-gzip"]  # fmt: skip
_ODD_HEADERS = [("Content-Language", "xx\u202e"), ("Last-Modified", "0000"),
                ("Link", '<http://[::1>; rel="canonical"'), ("Content-Type", "text/html"),
                ("ETag", '"\u0430"'), ("Content-Disposition", "attachment; filename=x.png"),
                ("Content-Length", "999999999")]  # fmt: skip
_URL_VARIANTS = ["plain"] * 8 + ["long", "unicode", "escapes", "offsite", "spaces", "port",
                                 "upper", "query"]  # fmt: skip
_STATUSES = [200] * 16 + [203, 206, 304, 404, 410, 500, 503, None]  # None: no response


@dataclass
class Input:
    """One exchange of a fuzzed capture. ``edits`` say, in words, what was done to the seed
    (for a failure report); ``status`` None is a request that got no response."""

    kind: str
    list_id: str | None
    seed: str
    body: bytes
    status: int | None
    headers: list[tuple[str, str]]
    encoding: str | None
    url_variant: str
    edits: list[str] = field(default_factory=list)

    def url(self, index: int) -> str:
        """The input's URL in a capture where it is input ``index``."""
        path = {"article": f"/news/fuzz/{index}.html", "feed": f"/rss.xml?fuzz={index}",
                "listing": f"/category/obshchestvo/?fuzz={index}",
                "sitemap": f"/sitemap.xml?fuzz={index}"}[self.kind]  # fmt: skip
        variant = self.url_variant
        if variant == "long":
            return f"{HOST}/fuzz/{index}/" + "a" * 8192
        if variant == "unicode":
            return f"{HOST}/fuzz/{index}/новости-\u202eлмth.html"
        if variant == "escapes":
            return f"{HOST}/fuzz/{index}/%zz%00%ff?q=%E2%80%AE#frag"
        if variant == "offsite":
            return f"https://other.example/fuzz/{index}.html"
        if variant == "spaces":
            return f"{HOST}/fuzz/{index}/a b\tc.html"
        if variant == "port":
            return f"https://exclusive.kz.example:8443/fuzz/{index}{path}"
        if variant == "upper":
            return f"HTTPS://EXCLUSIVE.KZ.EXAMPLE/fuzz/{index}{path.upper()}"
        if variant == "query":
            return f"{HOST}{path}&utm_source=x&fbclid=y&a=%00&b=\u202e"
        return HOST + path

    def describe(self, index: int) -> dict:
        """What to print or save about input ``index`` (the body apart)."""
        return {"index": index, "kind": self.kind, "list_id": self.list_id, "seed": self.seed,
                "status": self.status, "headers": self.headers, "encoding": self.encoding,
                "url": self.url(index), "edits": self.edits, "bytes": len(self.body)}  # fmt: skip


def sitemap_seeds() -> list[tuple[str, bytes]]:
    """Generated sitemaps (the seeds have none): a urlset with dates, a news sitemap, an
    index."""
    urls = "".join(
        f"<url><loc>{HOST}/news/2024/09/08/s{i}.html</loc>"
        f"<lastmod>2024-09-08T10:0{i}:00+05:00</lastmod></url>"
        for i in range(5)
    )
    news = "".join(
        f"<url><loc>{HOST}/news/n{i}.html</loc><news:news><news:publication><news:name>E"
        f"</news:name><news:language>ru</news:language></news:publication><news:publication_date>"
        f"2024-09-08T0{i}:00:00+05:00</news:publication_date><news:title>Новость {i}</news:title>"
        f"</news:news></url>"
        for i in range(5)
    )
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    news_ns = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    return [
        ("urlset.xml", f'<?xml version="1.0"?><urlset {ns}>{urls}</urlset>'.encode()),
        ("news.xml", f'<?xml version="1.0"?><urlset {ns} {news_ns}>{news}</urlset>'.encode()),
        ("index.xml", f'<?xml version="1.0"?><sitemapindex {ns}><sitemap><loc>{HOST}/s1.xml'
                      "</loc></sitemap></sitemapindex>".encode()),
    ]  # fmt: skip


def all_seeds() -> dict[str, list[tuple[str, bytes]]]:
    """:func:`fuzz_support.load_seeds` plus generated sitemaps."""
    seeds = load_seeds()
    seeds["sitemap"] = sitemap_seeds()
    return seeds


def _spell(text: str, how: str) -> bytes:
    """``text`` as bytes in a page: UTF-8 (lone surrogates as their invalid 3-byte form),
    character references, or JSON escapes."""
    if how == "charref":
        return "".join(c if c.isascii() else f"&#{ord(c)};" for c in text).encode()
    if how == "json":
        return json.dumps(text)[1:-1].encode()
    return text.encode("utf-8", "surrogatepass")


@st.composite
def hostile_inputs(draw, seeds: dict[str, list[tuple[str, bytes]]], window: int = WINDOW):
    """One :class:`Input` (see the module docstring)."""
    kind = draw(st.sampled_from(KINDS))
    seed, body = draw(mutated(seeds[kind], window))
    edits: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        what = draw(st.sampled_from(sorted(_FIELDS)))
        pool = {"text": HOSTILE_TEXT, "date": HOSTILE_DATES, "link": HOSTILE_LINKS}[what]
        value, how = draw(st.sampled_from(pool)), draw(st.sampled_from(["raw", "charref", "json"]))
        pattern = re.compile(draw(st.sampled_from(_FIELDS[what])), re.S | re.I)
        match = pattern.search(body)
        if match:
            body = body[: match.start(1)] + _spell(value, how) + body[match.end(1) :]
            edits.append(f"{what} {value[:40]!r} ({how}) at {pattern.pattern[:30]!r}")
    if draw(st.integers(0, 9)) == 0:
        codec = draw(st.sampled_from(_CODECS))
        body = body.decode("utf-8", "replace").encode(codec, "replace")
        edits.append(f"re-encoded in {codec}")
    if draw(st.integers(0, 99)) == 0:
        body = body * max(1, 1_500_000 // max(len(body), 1))
        edits.append(f"blown up to {len(body)} bytes")
    headers = [("Content-Type", DEFAULT_TYPE[kind])]
    if draw(st.integers(0, 3)) == 0:
        headers = [("Content-Type", draw(st.sampled_from(_TYPES)))] if draw(st.booleans()) else []
    if draw(st.integers(0, 5)) == 0:
        headers.append(draw(st.sampled_from(_ODD_HEADERS)))
    encoding = draw(st.sampled_from(_ENCODINGS)) if draw(st.integers(0, 5)) == 0 else None
    return Input(
        kind=kind, list_id=draw(st.sampled_from(LIST_IDS[kind])), seed=seed, body=body,
        status=draw(st.sampled_from(_STATUSES)), headers=headers, encoding=encoding,
        url_variant=draw(st.sampled_from(_URL_VARIANTS)), edits=edits,
    )  # fmt: skip


_BOMB: bytes | None = None


def _bomb() -> bytes:
    """gzip of 80 MiB of zeros (about 80 KB): past the 64 MiB decoded cap."""
    global _BOMB
    if _BOMB is None:
        _BOMB = gzip.compress(b"\0" * (80 << 20), compresslevel=9)
    return _BOMB


def _encoded(item: Input) -> tuple[bytes, list[tuple[str, str]]]:
    """The payload as stored and its headers, with the input's Content-Encoding applied."""
    body, headers, enc = item.body, list(item.headers), item.encoding
    if enc is None:
        return body, headers
    declared = {"deflate-raw": "deflate", "gzip-truncated": "gzip", "gzip-bomb": "gzip"}
    headers.append(("Content-Encoding", declared.get(enc, enc)))
    if enc in ("gzip", "x-gzip"):
        return gzip.compress(body), headers
    if enc == "gzip, gzip":
        return gzip.compress(gzip.compress(body)), headers
    if enc == "deflate":
        return zlib.compress(body), headers
    if enc == "deflate-raw":
        raw = zlib.compressobj(wbits=-15)
        return raw.compress(body) + raw.flush(), headers
    if enc == "gzip-truncated":
        packed = gzip.compress(body)
        return packed[: max(10, len(packed) // 2)], headers
    if enc == "gzip-bomb":
        return _bomb(), headers
    return body, headers  # br, identity: declared, not applied


def registry(path: Path) -> Path:
    """Write the fuzz registry (:data:`SOURCES` copies of the demo outlet, ``fuzz00`` ...,
    with a sitemap list added) to ``path``."""
    (demo,) = yaml.safe_load((DEMO / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    entries = [
        {**demo, "id": source_id(k), "name": f"Fuzz {k}",
         "sitemaps": [{"id": "sitemap", "url": f"{HOST}/sitemap.xml"}]}
        for k in range(SOURCES)
    ]  # fmt: skip
    path.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")
    return path


def source_id(k: int) -> str:
    return f"fuzz{k:02d}"


def source_day(n: int) -> tuple[str, str]:
    """The n-th source-day of a run: sources in turn, each source's days 15 days apart."""
    return source_id(n % SOURCES), (FIRST_DAY + timedelta(DAY_STEP * (n // SOURCES))).isoformat()


def write_capture(path: Path, day: str, inputs: list[Input]) -> int:
    """Write ``inputs`` as one capture (input i at :meth:`Input.url` ``(i)``); returns the
    number of exchanges."""
    from mediamon.fetch.warcstore import CaptureWriter

    at = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)
    path.unlink(missing_ok=True)
    with CaptureWriter(path) as writer:
        for i, item in enumerate(inputs):
            url = item.url(i)
            if item.status is None:
                writer.write_failure(url, "ConnectionError: fuzz: no response", fetched_at=at,
                                     kind=item.kind, list_id=item.list_id)  # fmt: skip
                continue
            payload, headers = _encoded(item)
            writer.write_response(url, item.status, "Fuzz", headers, payload, fetched_at=at,
                                  kind=item.kind, list_id=item.list_id)  # fmt: skip
    return len(inputs)


class DayFailed(AssertionError):
    """A source-day broke a guarantee; the message names the check (and input indexes)."""


def run_day(conn, source: str, day: str, inputs: list[Input]) -> dict:
    """Write the capture of ``inputs``, run parse → validate → load, and :func:`check_day`;
    returns the reconciliation counts. Raises :class:`DayFailed`."""
    from mediamon import batches, pipeline

    capture = batches.capture_path(source, day)
    capture.parent.mkdir(parents=True, exist_ok=True)
    write_capture(capture, day, inputs)
    try:
        pipeline.process_capture(source, day, str(capture), conn)
    except Exception as exc:
        if not conn.closed:
            conn.rollback()
        raise DayFailed(f"{source} {day} did not load: {type(exc).__name__}: {exc}"[:2000]) from exc
    validated = batches.batch_dir(source, day) / batches.VALIDATED
    return check_day(conn, source, day, len(inputs), validated)


def check_day(conn, source: str, day: str, exchanges: int, validated: Path) -> dict:
    """The guarantees of the module docstring for one loaded source-day; the counts."""
    from mediamon import batches

    d = date.fromisoformat(day)
    with conn.cursor() as cur:
        cur.execute("select count(*) from fetches where source_id = %s and day = %s", (source, d))
        (fetched,) = cur.fetchone()
        cur.execute(
            "select observed, success, unexpected, evaluated from dq_results where source_id = %s"
            " and day = %s and check_name = 'batch.reconciliation'", (source, d),
        )  # fmt: skip
        (observed, success, unexpected, evaluated), *_ = cur.fetchall() or [(None,) * 4]
        cur.execute(
            "select record_kind, record_key, reasons from quarantine where source_id = %s and "
            "day = %s", (source, d),
        )  # fmt: skip
        quarantine = cur.fetchall()
        cur.execute("select canonical_url from articles where source_id = %s", (source,))
        articles = {r[0] for r in cur.fetchall()}
        cur.execute("select list_id, canonical_url from headlines where source_id = %s", (source,))
        headlines = set(cur.fetchall())
    conn.rollback()
    problems = []
    if fetched != exchanges:
        problems.append(f"{fetched} fetches rows for {exchanges} exchanges")
    if observed is None:
        problems.append("no batch.reconciliation row")
    else:
        parts = observed["loaded"] + observed["quarantined"] + observed["refused"]
        if not (success and unexpected == 0 and evaluated == observed["fetched"] == parts):
            problems.append(f"reconciliation fails: {observed} (unexpected {unexpected})")
    blank = [(k, key) for k, key, reasons in quarantine
             if not reasons or any(not (r or "").strip() for r in reasons)]  # fmt: skip
    if blank:
        problems.append(f"quarantine rows without a reason: {blank[:3]}")
    kept = list(batches.read_batch(validated, ("article", "headline")))
    lost = [r["url"] for k, r in kept if k == "article" and r["canonical_url"] not in articles]
    lost += [
        r["url"]
        for k, r in kept
        if k == "headline" and (r["list_id"], r["canonical_url"]) not in headlines
    ]
    if lost:
        problems.append(f"validated records missing from the warehouse: {lost[:3]}")
    if problems:
        raise DayFailed(f"{source} {day}: " + "; ".join(problems))
    return {k: observed[k] for k in ("fetched", "loaded", "quarantined", "refused")} | {
        "quarantine_rows": len(quarantine)
    }
