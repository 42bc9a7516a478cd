"""trafilatura's title and author fallbacks read at less cost (parse/article/fallback_meta.py):
the same answers as trafilatura's own metadata functions."""

import pytest
from mediamon.parse.article.fallback_meta import FallbackMeta

PAGES = [
    # the author XPaths: a class naming the author, with a date inside it (discarded)
    "<html><head><title>Школы отремонтируют | Exclusive</title></head><body><h1>Школы"
    ' отремонтируют</h1><div class="post-author">Айгерим Нурланова <time>8 сентября'
    "</time></div><p>Текст новости.</p></body></html>",
    # a comment's author (discarded section) before the story's byline
    '<html><head><title>T</title></head><body><div class="comments"><span class="author">'
    'Гость 123</span></div><span class="byline">Иван Петров</span><h2>Другой заголовок</h2>'
    "</body></html>",
    # the author from <meta>, the title from JSON-LD
    '<html><head><meta name="author" content="Asel Bekova"><script type="application/ld+json">'
    '{"@type": "NewsArticle", "headline": "Schools to be repaired"}</script></head><body>'
    "<h1>Schools</h1><h1>Other</h1></body></html>",
    # nothing to find
    "<html><head></head><body><p>Только текст.</p></body></html>",
]


def trafilatura_metadata(html: str):
    from trafilatura.metadata import examine_meta, extract_author, extract_meta_json, extract_title
    from trafilatura.utils import load_html

    tree = load_html(html)
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    metadata = extract_meta_json(tree, metadata)
    metadata.title = metadata.title or extract_title(tree)
    metadata.author = metadata.author or extract_author(tree)
    metadata.clean_and_trim()
    return metadata


@pytest.mark.parametrize("html", PAGES)
@pytest.mark.parametrize("title_first", [True, False])
def test_same_title_and_author_as_trafilatura(html, title_first):
    expected = trafilatura_metadata(html)
    meta = FallbackMeta(html)
    if title_first:
        got = (meta.title, meta.author)
    else:
        got = tuple(reversed((meta.author, meta.title)))
    assert got == (expected.title or None, expected.author or None)
