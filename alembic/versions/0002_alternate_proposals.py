"""alternate proposals: harvested wordings queued for a curator

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 03:11:28.373277
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "alternate_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("question_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("answers_agree", sa.Boolean(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alternate_proposal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alternate_proposal_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alternate_proposal_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_alternate_proposal_pending",
            ["entry_id", "question_key"],
            unique=True,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )


def downgrade() -> None:
    with op.batch_alter_table("alternate_proposal", schema=None) as batch_op:
        batch_op.drop_index("uq_alternate_proposal_pending")
        batch_op.drop_index(batch_op.f("ix_alternate_proposal_status"))
        batch_op.drop_index(batch_op.f("ix_alternate_proposal_entry_id"))

    op.drop_table("alternate_proposal")
