"""rate_limit_scopes.anchors and riotjobs_rl_done(): completions that know Riot's windows.

Riot counts each ``count:window`` in fixed windows: a window opens at the first request it
counts, and that request's ``-Count`` header reads ``1`` for it. Such a response is an
**anchor**: its window opened at the request's arrival, which lies between our acquire
(``sent``) and its completion (``done``), so the window is over by ``done + window``.

A later request that was acquired after the anchor completed (so it arrived after the window
opened) and completed before ``anchor.sent + window`` (so it arrived before the window closed)
was counted in that very window. Riot forgets it when the window ends, so its slot can be free
at ``anchor.done + window`` rather than at its own ``done + window``. The stamp logged for it is
therefore ``anchor.done`` when every limit of the row has such an anchor (the latest of them),
and its completion otherwise. Without this, the requests of a first window that trickle out
over several round trips (the key check, a method probe, listings before matches) keep that
stagger in every later window.

Why it stays safe: take any window Riot opens, and the last request to acquire of those it
counts. At that acquire every other request of the window was pending, or completed with a
stamp no older than the window's start (a completion is after its arrival; an anchor's ``done``
is after the window's opening, and only requests of the anchor's own window get it). So the
slot check saw them all within ``window`` and admitted the last only if it fit.

``anchors`` holds flattened triples ``[window, sent, done, ...]``, at most one per window (the
latest; ``riotjobs_rl_anchor`` finds a window's); ones too old to anchor any request that is
still in flight are dropped.

``riotjobs_rl_done`` replaces the pending stamps of a batch of requests (``sent``: the pending
stamps, positive; ``done``: completion times, NULL for slots never used) under the rows' locks,
in scope order like ``riotjobs_rl_take``, records the batch's anchors first, and returns what
learning needs: each row's limits, ``learned``, ``probe_until``, the clock and, for each of
``windows``, how many stamps lie within it (plus margin and slack), to compare with Riot's counts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:20:00
"""

from collections.abc import Sequence

from alembic import op

from riotjobs.db.functions import function_sql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.execute(
        "ALTER TABLE rate_limit_scopes"
        " ADD COLUMN anchors float8[] NOT NULL DEFAULT '{}'::float8[]"
    )
    op.execute(function_sql("riotjobs_rl_anchor", 1))
    op.execute(function_sql("riotjobs_rl_done", 1))


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION IF EXISTS riotjobs_rl_done(text[], float8[], float8[], text[], float8[],"
        " float8[], float8[], float8[], float8, float8, float8)"
    )
    op.execute("DROP FUNCTION IF EXISTS riotjobs_rl_anchor(float8[], float8)")
    op.execute("ALTER TABLE rate_limit_scopes DROP COLUMN anchors")
