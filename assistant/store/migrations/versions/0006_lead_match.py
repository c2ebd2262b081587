"""Each answered interaction keeps its lead match (how well the section it opens with matches the
question) and lead margin (how far ahead of the next section it was chosen), so the Insights page can
list an answer whose lead section barely matched, or barely won, as doubtful. Rows stored before
keep None: unknown, never counted as low.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("lead_match", sa.Float, nullable=True))
        batch.add_column(sa.Column("lead_margin", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("lead_margin")
        batch.drop_column("lead_match")
