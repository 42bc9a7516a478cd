"""``fetches.reason``: why the crawl chose a URL, when it was a choice (issue 15).

A feed with several candidate addresses is read from the first that answers with a valid
feed, the remembered one first; when none does, from the homepage's ``<link rel="alternate">``
and then from the homepage's headline lists (:mod:`mediamon.fetch.feeds`). Each of those
requests carries its reason in the capture (WARC ``Mediamon-Reason``), kept here, e.g.
``feed rss: candidate 2 of 3, after https://x.kz/rss.xml: HTTP 404``. Other exchanges: null.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table fetches add column reason text")


def downgrade() -> None:
    op.execute("alter table fetches drop column reason")
