"""The ``cancelled`` run status and ``job_cancel_requests`` (`riotjobs cancel`).

The status CHECK is replaced in place: ``ADD CONSTRAINT ... NOT VALID`` takes only a brief
lock, and ``VALIDATE CONSTRAINT`` then reads the existing rows under a lock that lets runs go on
writing. No row is changed and the table is not rewritten. The allowed words are spelled out
here (a migration must not change when ``db.vocab`` later does); ``tests/db/test_vocab.py``
checks that the live constraint equals the enum.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "'running', 'success', 'partial', 'failed', 'timeout', 'abandoned', 'skipped'"
_NEW = _OLD + ", 'cancelled'"


def _replace_check(words: str) -> None:
    op.execute("ALTER TABLE job_executions DROP CONSTRAINT ck_job_executions_status")
    op.execute(
        "ALTER TABLE job_executions ADD CONSTRAINT ck_job_executions_status"
        f" CHECK (status IN ({words})) NOT VALID"
    )
    op.execute("ALTER TABLE job_executions VALIDATE CONSTRAINT ck_job_executions_status")


def upgrade() -> None:
    _replace_check(_NEW)
    op.create_table(
        "job_cancel_requests",
        sa.Column("execution_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["execution_id"], ["job_executions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("execution_id"),
    )


def downgrade() -> None:
    op.drop_table("job_cancel_requests")
    # A cancelled run reads as failed in the older vocabulary (the CHECK would refuse it).
    op.execute("UPDATE job_executions SET status = 'failed' WHERE status = 'cancelled'")
    _replace_check(_OLD)
