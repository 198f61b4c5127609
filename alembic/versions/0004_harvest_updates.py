"""harvest proposals may be updates: a row answering a statement's question differently

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Proposals made before this revision were all alternates, with no draft kept beside them.
    with op.batch_alter_table("alternate_proposal") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="alternate",
            )
        )
        batch.add_column(sa.Column("draft", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alternate_proposal") as batch:
        batch.drop_column("draft")
        batch.drop_column("kind")
