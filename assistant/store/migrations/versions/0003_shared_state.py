"""Shared state for several instances on one PostgreSQL: a lock row per sign-in scope, documents with their
revision history, and published index versions. Created on SQLite too (empty there), so one schema serves both.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("staff_login_locks", sa.Column("scope", sa.String(32), primary_key=True))
    op.create_table(
        "documents",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("head", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "document_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.UniqueConstraint("name", "revision", name="uq_document_revisions_name_revision"),
    )
    op.create_table(
        "index_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("knowledge_hash", sa.String(64), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("format_version", sa.Integer, nullable=False),
        sa.Column("passages", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("archive", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in ("index_versions", "document_revisions", "documents", "staff_login_locks"):
        op.drop_table(table)
