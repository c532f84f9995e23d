"""The limiter's storage, decoded, and its functions from files (``riotjobs/db/sql``).

- ``rate_limit_scopes.stamps`` (completions positive, pending stamps negated) becomes two
  columns: ``done`` (completion times) and ``pending`` (acquire times of requests in flight).
- ``rate_limit_scopes.anchors`` (flattened ``[window, sent, done, ...]`` triples) becomes the
  table ``rate_limit_anchors``: one row per scope and window.
- ``rate_limit_keys``: a key Riot rejected (401/403), by fingerprint, so that no process
  sharing it sends another request until ``rejected_until``.
- ``riotjobs_rl_counted`` holds the counting rule once; ``riotjobs_rl_limits`` parses a limits
  text and ``riotjobs_rl_ours`` counts our log for comparison with Riot's counts. They replace
  the copies in ``riotjobs_rl_take`` (v2) and ``riotjobs_rl_done`` (v2) and in Python.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:40:00
"""

from collections.abc import Sequence

from alembic import op

from riotjobs.db.functions import function_sql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TAKE = "riotjobs_rl_take(text[], integer, float8, float8, float8, float8, float8)"
NEW_TAKE = "riotjobs_rl_take(text[], integer, text, float8, float8, float8, float8, float8)"
OLD_DONE = (
    "riotjobs_rl_done(text[], float8[], float8[], text[], float8[], float8[], float8[],"
    " float8[], float8, float8, float8)"
)
NEW_DONE = (
    "riotjobs_rl_done(text[], text, float8[], float8[], text[], float8[], float8[], float8[],"
    " float8[], float8, float8, float8)"
)
HELPERS = ("riotjobs_rl_limits", "riotjobs_rl_counted", "riotjobs_rl_ours")


def upgrade() -> None:
    op.execute(
        "ALTER TABLE rate_limit_scopes"
        " ADD COLUMN done float8[] NOT NULL DEFAULT '{}'::float8[],"
        " ADD COLUMN pending float8[] NOT NULL DEFAULT '{}'::float8[]"
    )
    op.execute(
        "UPDATE rate_limit_scopes SET"
        " done = ARRAY(SELECT x FROM unnest(stamps) AS x WHERE x > 0 ORDER BY x),"
        " pending = ARRAY(SELECT -x FROM unnest(stamps) AS x WHERE x < 0 ORDER BY -x)"
    )
    op.execute(
        "CREATE TABLE rate_limit_anchors ("
        " scope varchar(200) NOT NULL REFERENCES rate_limit_scopes (scope) ON DELETE CASCADE,"
        " win float8 NOT NULL, sent float8 NOT NULL, done float8 NOT NULL,"
        " PRIMARY KEY (scope, win))"
    )
    op.execute(
        "INSERT INTO rate_limit_anchors (scope, win, sent, done)"
        " SELECT s.scope, s.anchors[3 * n - 2], s.anchors[3 * n - 1], s.anchors[3 * n]"
        " FROM rate_limit_scopes s,"
        " generate_series(1, coalesce(array_length(s.anchors, 1), 0) / 3) AS n"
        " ON CONFLICT DO NOTHING"
    )
    op.execute(
        "CREATE TABLE rate_limit_keys ("
        " fp varchar(64) PRIMARY KEY, status integer NOT NULL,"
        " rejected_until float8 NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())"
    )
    op.execute(f"DROP FUNCTION {OLD_TAKE}")
    op.execute(f"DROP FUNCTION {OLD_DONE}")
    op.execute("DROP FUNCTION riotjobs_rl_anchor(float8[], float8)")
    op.execute("ALTER TABLE rate_limit_scopes DROP COLUMN stamps, DROP COLUMN anchors")
    for name in HELPERS:
        op.execute(function_sql(name, 1))
    op.execute(function_sql("riotjobs_rl_take", 2))
    op.execute(function_sql("riotjobs_rl_done", 2))


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {NEW_TAKE}")
    op.execute(f"DROP FUNCTION {NEW_DONE}")
    op.execute("DROP FUNCTION riotjobs_rl_ours(float8[], float8[], float8, float8, float8[], float8)")
    op.execute("DROP FUNCTION riotjobs_rl_counted(float8[], float8[], float8, float8)")
    op.execute("DROP FUNCTION riotjobs_rl_limits(text)")
    op.execute(
        "ALTER TABLE rate_limit_scopes"
        " ADD COLUMN stamps float8[] NOT NULL DEFAULT '{}'::float8[],"
        " ADD COLUMN anchors float8[] NOT NULL DEFAULT '{}'::float8[]"
    )
    op.execute(
        "UPDATE rate_limit_scopes s SET"
        " stamps = ARRAY(SELECT x FROM (SELECT unnest(s.done) UNION ALL"
        " SELECT -unnest(s.pending)) AS u(x) ORDER BY x),"
        " anchors = coalesce((SELECT array_agg(v ORDER BY a.win, k) FROM rate_limit_anchors a,"
        " unnest(ARRAY[a.win, a.sent, a.done]) WITH ORDINALITY AS t(v, k)"
        " WHERE a.scope = s.scope), '{}')"
    )
    op.execute("DROP TABLE rate_limit_keys")
    op.execute("DROP TABLE rate_limit_anchors")
    op.execute("ALTER TABLE rate_limit_scopes DROP COLUMN done, DROP COLUMN pending")
    op.execute(function_sql("riotjobs_rl_take", 1))
    op.execute(function_sql("riotjobs_rl_anchor", 1))
    op.execute(function_sql("riotjobs_rl_done", 1))
