"""Staff sign-in attempts, so a lockout holds across sessions and instances (schema_version 2).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_logins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
    )
    op.create_index("ix_staff_logins_scope_created", "staff_logins", ["scope", "created_at"])


def downgrade() -> None:
    op.drop_table("staff_logins")
