"""riotjobs_rl_done v3: a request that left before its window's anchor came back is anchored too.

Version 2 logs a completed request at its window's anchor's completion (``anchor.done``) only
when it was acquired after the anchor came back and came back before ``anchor.sent + window``.
The first condition is stronger than safety needs, and it costs most where it matters: when a
window opens, the limiter hands the whole window out at once, so its requests all leave before
the first of them (the anchor) is back. Each then kept its own completion, the next window
freed one request at a time as they had come back (Riot, or a loaded machine, answers a burst
over 0.1-0.3 s), and every later window inherited that spread: on a short run (B1 ``--short``,
five windows) it cost about a tenth of the request phase.

Now a request is logged at ``least(done, latest anchor.done)`` whenever, for every limit of the
row, it came back before that limit's anchor's ``sent + window``.

Why it stays safe (migration 0004's argument): the slot check is sound as long as every request
Riot counts in a window carries a stamp no older than that window's start, or is still pending.
The anchor's window opened between the anchor's acquire and its completion. A request back
before ``anchor.sent + window`` reached Riot before that window closed, so Riot counted it in
the anchor's window or in an earlier one. In the anchor's window, ``anchor.done`` is no older
than the window's start. In an earlier window, whose start is older still, the stamp only holds
the slot for longer than Riot does, which errs towards waiting. ``least`` keeps a request's own
completion when that is earlier, which is always safe for its own window.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

from alembic import op

from riotjobs.db.functions import function_sql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Same signature as v2, so CREATE OR REPLACE swaps the body in place.
    op.execute(function_sql("riotjobs_rl_done", 3))


def downgrade() -> None:
    op.execute(function_sql("riotjobs_rl_done", 2))
