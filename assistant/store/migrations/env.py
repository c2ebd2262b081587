"""Alembic's entry point: run the migrations on the connection assistant.store.database.migrate passes in,
or, from the `alembic` command line, on the database named by alembic.ini or the settings."""

from alembic import context
from sqlalchemy import create_engine

from assistant.store.schema import metadata

config = context.config


def run(connection) -> None:
    context.configure(
        connection=connection, target_metadata=metadata, compare_type=True,
        # SQLite cannot ALTER most things: autogenerate batch operations (copy and move) for it.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Mentor's migrations run online only: they are applied at start-up, or with `alembic upgrade head`.")
shared = config.attributes.get("connection")
if shared is not None:
    run(shared)
else:
    from assistant.config import Settings

    engine = create_engine(config.get_main_option("sqlalchemy.url") or Settings().db_url)
    with engine.begin() as connection:
        run(connection)
