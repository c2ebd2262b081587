"""Alembic migrations for schema.metadata, applied at start-up by assistant.store.database.migrate.

A new table or column: add it to schema.metadata, then from the repository root run
`alembic revision --autogenerate -m "what and why"` (alembic.ini points here; it uses
MENTOR_DATABASE_URL or the default SQLite file), read the generated file, and commit it.
"""
