"""Initial warehouse schema: sources, fetches, articles, headlines, sightings, dq_results,
quarantine.

Keys follow the idempotency contract (DESIGN.md): articles by canonical URL; headlines by
(source, list, canonical URL); sightings by (day, source, list, canonical URL); dq_results by
(run, check, source); quarantine by (run, source, kind, record key); fetches by their place in
the raw store (WARC path, offset).

Revision ID: 0001
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table sources (
            id          text primary key,
            name        text not null,
            homepage    text not null,
            languages   text[] not null,
            timezone    text not null,
            first_year  integer not null
        );

        create table fetches (
            id            bigserial primary key,
            source_id     text not null references sources (id),
            day           date not null,
            url           text not null,
            kind          text not null,
            list_id       text,
            status        integer,
            error         text,
            bytes         integer not null,
            sha256        text,
            content_type  text,
            fetched_at    timestamptz not null,
            warc_path     text not null,
            warc_offset   bigint not null,
            unique (warc_path, warc_offset)
        );
        create index fetches_source_day on fetches (source_id, day);

        create table articles (
            id                   bigserial primary key,
            canonical_url        text not null unique,
            url                  text not null,
            source_id            text not null references sources (id),
            title                text not null,
            title_source         text,
            authors              text[] not null default '{}',
            authors_status       text not null,
            authors_source       text,
            published_at         timestamptz,
            published_day        date,
            date_source          text,
            modified_at          timestamptz,
            section              text,
            language             text,
            body_text            text,
            parser_version       text not null,
            first_seen           timestamptz not null,
            last_seen            timestamptz not null
        );
        create index articles_source_day on articles (source_id, published_day);

        create table headlines (
            id              bigserial primary key,
            source_id       text not null references sources (id),
            list_id         text not null,
            list_kind       text not null,
            canonical_url   text not null,
            url             text not null,
            title           text,
            byline          text,
            published_at    timestamptz,
            first_seen_day  date not null,
            last_seen_day   date not null,
            unique (source_id, list_id, canonical_url)
        );

        create table sightings (
            day            date not null,
            source_id      text not null references sources (id),
            list_id        text not null,
            canonical_url  text not null,
            position       integer not null,
            title          text,
            primary key (day, source_id, list_id, canonical_url)
        );

        create table dq_results (
            run_key     text not null,
            check_name  text not null,
            source_id   text not null references sources (id),
            day         date not null,
            success     boolean not null,
            severity    text not null,
            evaluated   integer not null,
            unexpected  integer not null,
            primary key (run_key, check_name, source_id)
        );

        create table quarantine (
            run_key      text not null,
            source_id    text not null references sources (id),
            day          date not null,
            record_kind  text not null,
            record_key   text not null,
            record       jsonb not null,
            reasons      text[] not null,
            primary key (run_key, source_id, record_kind, record_key)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        "drop table quarantine, dq_results, sightings, headlines, articles, fetches, sources"
    )
