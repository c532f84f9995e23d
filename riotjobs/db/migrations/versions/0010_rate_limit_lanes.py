"""Priority lanes in the shared limiter: riotjobs_rl_take v3 and the rows' waiting marks.

- ``rate_limit_scopes.high_waits_until`` and ``normal_waits_until``: until when (database-clock
  epoch seconds) an acquirer of that lane waits for the row. A lower lane takes no slot of the
  row before then, so the next free slot goes to the lane that waits. Nullable, no default:
  adding them does not rewrite the table.
- ``riotjobs_rl_take`` v3 takes the caller's lane (0 high, 1 normal, 2 low), the reserve (the
  share of every window only high may use) and the grace a waiting mark outlives its holder's
  next look by. A new signature: v2 is dropped, not overloaded.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:50:00
"""

from collections.abc import Sequence

from alembic import op

from riotjobs.db.functions import function_sql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

V2 = "riotjobs_rl_take(text[], integer, text, float8, float8, float8, float8, float8)"
V3 = (
    "riotjobs_rl_take(text[], integer, text, float8, float8, float8, float8, float8, integer,"
    " float8, float8)"
)


def upgrade() -> None:
    op.execute(
        "ALTER TABLE rate_limit_scopes"
        " ADD COLUMN high_waits_until float8, ADD COLUMN normal_waits_until float8"
    )
    op.execute(f"DROP FUNCTION {V2}")
    op.execute(function_sql("riotjobs_rl_take", 3))


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {V3}")
    op.execute(function_sql("riotjobs_rl_take", 2))
    op.execute(
        "ALTER TABLE rate_limit_scopes DROP COLUMN high_waits_until, DROP COLUMN normal_waits_until"
    )
