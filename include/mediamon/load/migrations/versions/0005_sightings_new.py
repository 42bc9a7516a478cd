"""Sightings say whether the headline is new that day.

- ``sightings.is_new``: true when the headline's publication date falls on the sighting's
  local day (in the source's zone), false when it was published earlier (an older story still
  on the page: kept, labelled), null when the list gives no date.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table sightings add column is_new boolean")


def downgrade() -> None:
    op.execute("alter table sightings drop column is_new")
