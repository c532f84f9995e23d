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

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TAKE = r"""
CREATE OR REPLACE FUNCTION riotjobs_rl_take(
    ids text[], wanted integer, margin float8, hold float8, probe_timeout float8,
    probe_poll float8, slack float8
) RETURNS TABLE (slots float8[], wait_s float8, clock float8)
LANGUAGE plpgsql AS $$
DECLARE
    at float8 := extract(epoch FROM clock_timestamp());
    r record;
    lim record;
    counted float8[];
    recent integer;
    room integer := wanted;
    delay float8 := 0;
    busy float8[] := '{}';
    mine float8[] := '{}';
    stamp float8;
    seen integer := 0;
BEGIN
    FOR r IN
        SELECT s.scope, s.limits, s.learned, s.stamps, s.blocked_until, s.probe_until
        FROM rate_limit_scopes s WHERE s.scope = ANY(ids) ORDER BY s.scope FOR UPDATE
    LOOP
        seen := seen + 1;
        IF r.blocked_until IS NOT NULL AND r.blocked_until > at THEN
            room := 0;
            delay := greatest(delay, r.blocked_until - at);
        END IF;
        IF NOT r.learned THEN
            IF r.probe_until IS NOT NULL AND r.probe_until > at THEN
                room := 0;
                delay := greatest(delay, least(probe_poll, r.probe_until - at));
            ELSE
                room := least(room, 1);
            END IF;
        END IF;
        counted := ARRAY(
            SELECT CASE WHEN x > 0 THEN x ELSE least(at, hold - x) END FROM unnest(r.stamps) AS x
        );
        FOR lim IN
            SELECT split_part(p, ':', 1)::integer AS count, split_part(p, ':', 2)::float8 AS win
            FROM unnest(string_to_array(r.limits, ',')) AS p
        LOOP
            SELECT count(*) INTO recent FROM unnest(counted) AS c WHERE c > at - lim.win - margin;
            room := least(room, lim.count - recent);
            IF recent >= lim.count THEN
                IF lim.count = 0 THEN
                    delay := greatest(delay, lim.win);
                ELSE
                    -- One more fits once all but count - 1 of the recent stamps have aged out:
                    -- wait for the count-th newest of them (only sorted on this slow path).
                    delay := greatest(delay, (
                        SELECT c FROM unnest(counted) AS c ORDER BY c DESC
                        OFFSET lim.count - 1 LIMIT 1
                    ) - (at - lim.win - margin));
                END IF;
            END IF;
        END LOOP;
        busy := busy || ARRAY(SELECT -x FROM unnest(r.stamps) AS x WHERE x < 0);
    END LOOP;
    IF seen <> coalesce(array_length(ids, 1), 0) THEN
        RETURN QUERY SELECT NULL::float8[], probe_poll, at;
        RETURN;
    END IF;
    IF room <= 0 THEN
        RETURN QUERY SELECT '{}'::float8[], delay, at;
        RETURN;
    END IF;
    stamp := at;
    WHILE coalesce(array_length(mine, 1), 0) < room LOOP
        IF NOT stamp = ANY(busy) THEN
            mine := mine || stamp;
        END IF;
        stamp := stamp + 1e-6;
    END LOOP;
    UPDATE rate_limit_scopes s
    SET probe_until = CASE WHEN s.learned THEN NULL ELSE at + probe_timeout END,
        updated_at = now(),
        stamps = ARRAY(
            SELECT x FROM (
                SELECT x FROM unnest(s.stamps) AS x, (
                    SELECT at - coalesce(max(split_part(p, ':', 2)::float8), 0) - margin - slack
                        AS horizon
                    FROM unnest(string_to_array(s.limits, ',')) AS p
                ) AS h
                WHERE x > h.horizon OR (x < 0 AND hold - x > h.horizon)
                UNION ALL SELECT -p FROM unnest(mine) AS p
            ) AS kept
        )
    WHERE s.scope = ANY(ids);
    RETURN QUERY SELECT mine, 0::float8, at;
END
$$
"""


def upgrade() -> None:
    op.execute(TAKE)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION IF EXISTS riotjobs_rl_take(text[], integer, float8, float8, float8,"
        " float8, float8)"
    )
