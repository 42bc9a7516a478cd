"""Headlines: normalized title, position, date flags; title revisions; sighting details.

- ``headlines.title_normalized``: :func:`mediamon.text.normalize.normalize_title` of the title
  (case-folded, ё→е, quotes and dashes unified, site suffix and rubric prefix removed).
- ``headlines.last_position``: the position at the latest sighting; ``byline`` already exists.
- ``headlines.date_flag`` (``zone_assumed``, ``feedparser_utc``, ``unparsed``) and
  ``published_at_assumed_zone``: the item's date had no zone and the source's zone was used.
- ``headlines.language``: the headline's own language (a ticker mixes Russian and Kazakh).
- ``headline_revisions``: one row per title a headline has had, keyed by (source, list,
  canonical URL, title), with the first and last day it was seen under that title, so a
  changed title is kept, not overwritten.
- ``fetches.elapsed_ms``: request start to last byte (WARC ``Mediamon-Elapsed-Ms``).
- ``sightings.title_normalized`` and ``sightings.published_at``: a headline's life on a list
  can be charted from sightings alone.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table headlines
            add column title_normalized           text,
            add column last_position              integer,
            add column date_flag                  text,
            add column published_at_assumed_zone  boolean not null default false,
            add column language                   text,
            add constraint headlines_date_flag_check check (
                date_flag in ('zone_assumed', 'feedparser_utc', 'unparsed')
            );

        alter table sightings
            add column title_normalized  text,
            add column published_at      timestamptz;

        create table headline_revisions (
            source_id         text not null references sources (id),
            list_id           text not null,
            canonical_url     text not null,
            title             text not null,
            title_normalized  text,
            first_seen_day    date not null,
            last_seen_day     date not null,
            primary key (source_id, list_id, canonical_url, title)
        );
        alter table fetches add column elapsed_ms integer;

        create index headlines_title_normalized on headlines (source_id, title_normalized);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop index headlines_title_normalized;
        drop table headline_revisions;
        alter table fetches drop column elapsed_ms;
        alter table sightings drop column published_at, drop column title_normalized;
        alter table headlines
            drop constraint headlines_date_flag_check,
            drop column language,
            drop column published_at_assumed_zone,
            drop column date_flag,
            drop column last_position,
            drop column title_normalized;
        """
    )
