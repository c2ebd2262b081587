"""Each interaction keeps its answer's first line and the sections it cited, so staff can judge a
thumbs-down or a doubtful answer on the Insights page without asking it again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("answer_lead", sa.Text, nullable=True))
        batch.add_column(sa.Column("cited_sections", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("cited_sections")
        batch.drop_column("answer_lead")
