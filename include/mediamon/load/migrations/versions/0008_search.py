"""Full-text search: a generated, GIN-indexed ``tsvector`` on articles and on headlines.

- ``articles.search_tsv``: title (weight A), lead (B) and body (C). There is no lead column:
  the lead is the body's first :data:`LEAD_CHARS` characters (so its words count twice: B and
  C), and the body is read up to :data:`BODY_CHARS` characters (a ``tsvector`` holds at most
  1 MB; a longer body would make the row, and so the day's load, fail).
- ``headlines.search_tsv``: the headline's title (weight A).
- The text search configuration follows the row's ``language``: ``russian`` (Snowball) for
  ru, ``english`` (Snowball) for en, ``kazakh`` (below) for kk, ``simple`` for anything else.
- Before parsing, the text is folded letter for letter (``translate()``, immutable, so a
  generated column may use it; same length, so snippets map back to the original): ё→е and
  the Kazakh letters to their nearest Russian ones (ә→а, ғ→г, қ→к, ң→н, ө→о, ұ→у, ү→у, һ→х,
  і→и), upper and lower case. "Тоқаев" and "Токаев", "Қазақстан" and "Казахстан"-typed
  queries on a Russian keyboard meet the same lexemes.
- ``kazakh``: a copy of ``simple`` (lower-case, no stemming, no stop words). PostgreSQL has
  no Kazakh Snowball stemmer, and every other dictionary template that could stem (ispell,
  synonym, thesaurus, a stop-word list, ``unaccent`` rules) reads a file from the server's
  ``tsearch_data`` directory, which a migration cannot write. Inflected forms are met at
  query time instead (:mod:`mediamon.search`): a Kazakh query word loses one case or plural
  suffix and is matched as a prefix ('тоқаевтың' → ``'токаев':*``), which finds
  Тоқаев/Тоқаевтың/Тоқаевқа/Тоқаевты/Тоқаевпен. A named configuration lets a real
  dictionary replace the mapping later (``alter text search configuration kazakh``; the
  stored columns are then rebuilt with ``update articles set title = title``).

Adding the columns rewrites both tables (each row's vector is computed once here); loads pay
the parse of each inserted or updated row from now on (about 0.5 ms for a 2,500-character
Russian body; ``bench/bench_search.py``, ``bench/bench_load.py``).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LEAD_CHARS = 300
BODY_CHARS = 100_000
# keep in step with mediamon.search.FOLD (a test compares them)
FOLD_FROM = "ЁӘҒҚҢӨҰҮҺІёәғқңөұүһі"
FOLD_TO = "ЕАГКНОУУХИеагкноуухи"


def _config(language: str) -> str:
    return (
        f"case {language} when 'ru' then 'russian'::regconfig "
        "when 'en' then 'english'::regconfig when 'kk' then 'kazakh'::regconfig "
        "else 'simple'::regconfig end"
    )


def _vector(language: str, text: str, weight: str) -> str:
    # translate() costs about 0.2 ms per 1,000 characters, a regex test 5 % of that: most
    # Russian and English texts hold none of the folded letters and skip it
    text = f"coalesce({text}, '')"
    folded = (
        f"case when {text} ~ '[{FOLD_FROM}]' then translate({text}, '{FOLD_FROM}', '{FOLD_TO}') "
        f"else {text} end"
    )
    return f"setweight(to_tsvector({_config(language)}, {folded}), '{weight}')"


ARTICLE_VECTOR = " || ".join(
    (
        _vector("language", "title", "A"),
        _vector("language", f"left(body_text, {LEAD_CHARS})", "B"),
        _vector("language", f"left(body_text, {BODY_CHARS})", "C"),
    )
)
HEADLINE_VECTOR = _vector("language", "title", "A")


def upgrade() -> None:
    op.execute(
        f"""
        create text search configuration kazakh (copy = simple);
        comment on text search configuration kazakh is
            'mediamon: Kazakh without a stemmer (simple); inflections met by suffix-stripped '
            'prefix queries, see mediamon.search';

        alter table articles add column search_tsv tsvector
            generated always as ({ARTICLE_VECTOR}) stored;
        create index articles_search on articles using gin (search_tsv);

        alter table headlines add column search_tsv tsvector
            generated always as ({HEADLINE_VECTOR}) stored;
        create index headlines_search on headlines using gin (search_tsv);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop index headlines_search;
        alter table headlines drop column search_tsv;
        drop index articles_search;
        alter table articles drop column search_tsv;
        drop text search configuration kazakh;
        """
    )
