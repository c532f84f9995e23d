"""Duration baselines and API usage per run.

- ``job_executions.slow`` and ``baseline_ms``: written when a run finishes. ``baseline_ms`` is the
  median duration of the job's previous 20 successful runs (once there are 5), ``slow`` whether a
  successful run took more than its job's ``slow_factor`` times that. NULL: not judged. Nullable
  columns without a default: adding them does not rewrite the table.
- ``job_execution_api_usage``: a run's requests and 429s (by type) per endpoint and routing value.
- ``api_usage_totals``: the same per job and endpoint, added up since the table was created and
  never pruned, so that `riotjobs metrics` reads a few rows for its counters.
- ``job_incidents.kind``: ``failure`` or ``slow``; one open incident per job and kind.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIMITED = ("application", "method", "service", "untyped")  # spelled out: vocabularies move on


def _counts(kind: sa.types.TypeEngine[int]) -> list[sa.Column[int]]:
    return [
        sa.Column(name, kind, server_default=sa.text("0"), nullable=False)
        for name in ("requests", *(f"rate_limited_{t}" for t in _LIMITED))
    ]


def upgrade() -> None:
    op.add_column("job_executions", sa.Column("slow", sa.Boolean(), nullable=True))
    op.add_column("job_executions", sa.Column("baseline_ms", sa.BigInteger(), nullable=True))
    op.create_table(
        "job_execution_api_usage",
        sa.Column("execution_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("routing", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        *_counts(sa.Integer()),
        sa.ForeignKeyConstraint(["execution_id"], ["job_executions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("execution_id", "endpoint", "routing"),
    )
    op.create_table(
        "api_usage_totals",
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        *_counts(sa.BigInteger()),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("job_id", "endpoint"),
    )
    op.add_column(
        "job_incidents",
        sa.Column(
            "kind",
            sqlmodel.sql.sqltypes.AutoString(length=16),
            server_default=sa.text("'failure'"),
            nullable=False,
        ),
    )
    op.drop_index("uq_job_incidents_open", table_name="job_incidents")
    op.create_index(
        "uq_job_incidents_open",
        "job_incidents",
        ["job_id", "kind"],
        unique=True,
        postgresql_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    # Slow incidents have no place in the older schema (one open incident per job).
    op.execute("DELETE FROM job_incidents WHERE kind <> 'failure'")
    op.drop_index("uq_job_incidents_open", table_name="job_incidents")
    op.create_index(
        "uq_job_incidents_open",
        "job_incidents",
        ["job_id"],
        unique=True,
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.drop_column("job_incidents", "kind")
    op.drop_table("api_usage_totals")
    op.drop_table("job_execution_api_usage")
    op.drop_column("job_executions", "baseline_ms")
    op.drop_column("job_executions", "slow")
