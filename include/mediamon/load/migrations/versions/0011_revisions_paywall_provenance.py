"""Article revisions and takedowns, the paywall flag, and the provenance of every field.

- ``article_revisions``: each distinct version of an article, keyed by (canonical URL,
  ``content_hash``: SHA-256 of title and body), with its title, body, the parser that first
  read it and the first/last local day and fetch time it was seen;
  ``article_revision_fetches``: the fetches that saw it, one row per (version, local day,
  fetch time), rewritten when that day is loaded again (so a reload or a re-parse never
  leaves a version no fetch supports). Natural keys, as ``headline_revisions``.
- ``articles.taken_down_at`` / ``taken_down_status``: the first fetch answering 404 or 410
  after the article's latest successful fetch (null when it answered since).
- ``articles.paywalled`` / ``paywall_evidence``: see ``mediamon.parse.article.paywall``.
- ``articles.body_source``, ``section_source``, ``modified_source``, ``language_source``:
  the rule behind each field, next to ``title_source``, ``authors_source``, ``date_source``.
- ``fetches_article_url``, ``articles_url``: an article's fetches by URL, for the takedown
  lookup.

Existing articles get no revision until their day is loaded again (``mediamon reparse``),
``paywalled`` false and null provenance.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table articles
            add column body_source        text,
            add column section_source     text,
            add column modified_source    text,
            add column language_source    text,
            add column paywalled          boolean not null default false,
            add column paywall_evidence   text[] not null default '{}',
            add column taken_down_at      timestamptz,
            add column taken_down_status  integer;

        create table article_revisions (
            canonical_url     text not null references articles (canonical_url)
                              on delete cascade,
            content_hash      text not null,
            source_id         text not null references sources (id),
            title             text not null,
            body_text         text,
            parser_version    text not null,
            first_seen_day    date not null,
            last_seen_day     date not null,
            first_fetched_at  timestamptz not null,
            last_fetched_at   timestamptz not null,
            primary key (canonical_url, content_hash)
        );

        create table article_revision_fetches (
            canonical_url  text not null,
            content_hash   text not null,
            source_id      text not null references sources (id),
            day            date not null,
            fetched_at     timestamptz not null,
            url            text not null,
            primary key (canonical_url, content_hash, day, fetched_at),
            foreign key (canonical_url, content_hash)
                references article_revisions (canonical_url, content_hash) on delete cascade
        );
        create index article_revision_fetches_source_day
            on article_revision_fetches (source_id, day);

        create index fetches_article_url on fetches (url) where kind = 'article';
        create index articles_url on articles (url);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop index articles_url, fetches_article_url;
        drop table article_revision_fetches, article_revisions;
        alter table articles
            drop column taken_down_status,
            drop column taken_down_at,
            drop column paywall_evidence,
            drop column paywalled,
            drop column language_source,
            drop column modified_source,
            drop column section_source,
            drop column body_source;
        """
    )
