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

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Which triple of an anchors array is the window's (1-based), or NULL.
ANCHOR = r"""
CREATE OR REPLACE FUNCTION riotjobs_rl_anchor(marks float8[], win float8) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT n FROM generate_series(1, coalesce(array_length(marks, 1), 0) / 3) AS n
    WHERE marks[3 * n - 2] = win LIMIT 1
$$
"""

DONE = r"""
CREATE OR REPLACE FUNCTION riotjobs_rl_done(
    ids text[], sent float8[], done float8[],
    a_scope text[], a_window float8[], a_sent float8[], a_done float8[],
    windows float8[], hold float8, margin float8, slack float8
) RETURNS TABLE (
    o_scope text, o_limits text, o_learned boolean, o_probe_until float8, o_clock float8,
    o_ours integer[]
)
LANGUAGE plpgsql AS $$
DECLARE
    at float8 := extract(epoch FROM clock_timestamp());
    r record;
    i integer;
    k integer;
    marks float8[];
    wins float8[];
    w_sent float8[];
    w_done float8[];
    fresh float8[];
    latest float8;
    found_at integer;
    kept float8[];
BEGIN
    FOR r IN
        SELECT s.scope, s.limits, s.learned, s.stamps, s.anchors, s.probe_until
        FROM rate_limit_scopes s WHERE s.scope = ANY(ids) ORDER BY s.scope FOR UPDATE
    LOOP
        -- The batch's anchors for this row replace older ones of the same window.
        marks := r.anchors;
        FOR i IN 1 .. coalesce(array_length(a_scope, 1), 0) LOOP
            CONTINUE WHEN a_scope[i] <> r.scope;
            found_at := riotjobs_rl_anchor(marks, a_window[i]);
            IF found_at IS NULL THEN
                marks := marks || ARRAY[a_window[i], a_sent[i], a_done[i]];
            ELSIF marks[3 * found_at] < a_done[i] THEN
                marks[3 * found_at - 1] := a_sent[i];
                marks[3 * found_at] := a_done[i];
            END IF;
        END LOOP;
        kept := '{}';
        FOR k IN 1 .. coalesce(array_length(marks, 1), 0) / 3 LOOP
            IF marks[3 * k - 1] + marks[3 * k - 2] > at - hold THEN
                kept := kept || marks[3 * k - 2 : 3 * k];
            END IF;
        END LOOP;
        marks := kept;
        -- Each limit's anchor, found once: the stamp rule below only compares with them.
        wins := ARRAY(
            SELECT split_part(p, ':', 2)::float8 FROM unnest(string_to_array(r.limits, ',')) AS p
        );
        w_sent := '{}';
        w_done := '{}';
        FOR k IN 1 .. coalesce(array_length(wins, 1), 0) LOOP
            found_at := riotjobs_rl_anchor(marks, wins[k]);
            w_sent := w_sent || marks[3 * found_at - 1];  -- NULL when the window has none
            w_done := w_done || marks[3 * found_at];
        END LOOP;
        -- Each completed request's stamp: the latest anchor if one holds it in every window.
        fresh := '{}';
        FOR i IN 1 .. coalesce(array_length(sent, 1), 0) LOOP
            CONTINUE WHEN done[i] IS NULL;
            latest := NULL;
            FOR k IN 1 .. coalesce(array_length(wins, 1), 0) LOOP
                IF NOT coalesce(w_done[k] <= sent[i] AND done[i] < w_sent[k] + wins[k], false) THEN
                    latest := NULL;
                    EXIT;
                END IF;
                latest := greatest(latest, w_done[k]);
            END LOOP;
            fresh := fresh || least(done[i], latest);
        END LOOP;
        UPDATE rate_limit_scopes s
        SET stamps = ARRAY(
                SELECT x FROM unnest(s.stamps) AS x WHERE -x <> ALL(sent)
                UNION ALL SELECT unnest(fresh)
                ORDER BY 1
            ),
            anchors = marks,
            updated_at = now()
        WHERE s.scope = r.scope
        RETURNING s.stamps INTO kept;
        o_scope := r.scope;
        o_limits := r.limits;
        o_learned := r.learned;
        o_probe_until := r.probe_until;
        o_clock := at;
        o_ours := ARRAY(
            SELECT (
                SELECT count(*)::integer FROM unnest(kept) AS x
                WHERE CASE WHEN x > 0 THEN x ELSE least(at, hold - x) END
                    > at - u.w - margin - slack
            ) FROM unnest(windows) WITH ORDINALITY AS u(w, n) ORDER BY u.n
        );
        RETURN NEXT;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE rate_limit_scopes"
        " ADD COLUMN anchors float8[] NOT NULL DEFAULT '{}'::float8[]"
    )
    op.execute(ANCHOR)
    op.execute(DONE)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION IF EXISTS riotjobs_rl_done(text[], float8[], float8[], text[], float8[],"
        " float8[], float8[], float8[], float8, float8, float8)"
    )
    op.execute("DROP FUNCTION IF EXISTS riotjobs_rl_anchor(float8[], float8)")
    op.execute("ALTER TABLE rate_limit_scopes DROP COLUMN anchors")
