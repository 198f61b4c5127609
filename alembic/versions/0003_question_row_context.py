"""question rows keep the section heading or control title the reader found

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows read before this revision had no context recorded: they get an empty one.
    with op.batch_alter_table("question_row") as batch:
        batch.add_column(sa.Column("context", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("question_row") as batch:
        batch.drop_column("context")
