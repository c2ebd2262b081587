"""Baseline: interactions and feedback, as the first release created them (its schema_version 1).

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("question", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("top_score", sa.Float, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("cited_doc_ids", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
    )
    op.create_index("ix_interactions_created_at", "interactions", ["created_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interaction_id", sa.Integer, sa.ForeignKey("interactions.id", ondelete="SET NULL"), nullable=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("question", sa.Text, nullable=True),
        sa.Column("cited_doc_ids", sa.Text, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
    )
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("interactions")
