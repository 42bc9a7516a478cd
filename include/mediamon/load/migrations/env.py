"""Alembic environment for the warehouse: runs on the connection handed in by
:func:`mediamon.load.schema.upgrade`, under an advisory lock so concurrent runs migrate once."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
