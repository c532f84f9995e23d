"""riotjobs_rl_take(): the limiter's slot check as one server-side call.

A scope's stamp array holds a window's worth of stamps (hundreds at a few hundred requests per
second, thousands for a production key's long window). Reading both arrays into the client to
count them, under the rows' locks, cost more CPU per acquire than the request it guarded; the
function counts them where they are and returns only the slots taken, or how long to wait.

The rules are those of ``riotjobs.riot.limiter`` (its docstring has the reasoning):
- a stamp > 0 is a completion time; a stamp < 0 is a request still in flight since ``-stamp``,
  counted as completing now, or at ``-stamp + hold`` if that is sooner;
- a request fits when, for every ``count:window`` of every row, fewer than ``count`` counted
  stamps are newer than ``now - window - margin``;
- a row blocked by a 429 admits nothing until ``blocked_until``;
- a row whose limits were never announced admits one request (the probe) at a time.

It returns ``(slots, wait_s, clock)``: the pending stamps written (unique in every row, so a completion
can find its own), and when none were, the seconds until one more would fit, and the database clock. ``slots`` is NULL
when a row is missing (deleted under us): the caller recreates it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 11:05:00
"""


from collections.abc import Sequence

from alembic import op

from riotjobs.db.functions import function_sql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.execute(function_sql("riotjobs_rl_take", 1))


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION IF EXISTS riotjobs_rl_take(text[], integer, float8, float8, float8,"
        " float8, float8)"
    )
