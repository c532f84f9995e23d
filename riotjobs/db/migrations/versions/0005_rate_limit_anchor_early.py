"""riotjobs_rl_done(): a request out before its window's anchor came back is anchored too.

Migration 0004 logs a completed request at its window's anchor's completion (``anchor.done``)
when it was acquired after the anchor came back and came back before ``anchor.sent + window``.
The first condition is stronger than safety needs, and it costs the most where it matters:
when a window opens, the limiter hands out the whole window at once, so its requests all leave
before the first of them (the anchor) is back. Each then kept its own completion, and the next
window freed one request at a time as they had come back (a burst that Riot answers over 0.1-0.3
s, while its client and the server share a loaded CPU), and every later window inherited that
spread.

Now a request is logged at ``least(done, latest anchor.done)`` whenever, for every limit of the
row, it came back before that limit's anchor's ``sent + window``: it then arrived before that
window closed, so Riot counted it in the anchor's window or in an earlier one.

Why it stays safe (migration 0004's argument, unchanged): the slot check is sound as long as
every request Riot counts in a window carries a stamp no older than that window's start, or is
still pending. A request counted in the anchor's window gets ``anchor.done``, which is after the
window opened (the anchor arrived before it came back). A request counted in an earlier window
gets a stamp later still than that window's start, since the anchor's window opened after the
earlier one closed; its slot is held longer than Riot holds it, which only errs towards waiting.
And a stamp is written once, at completion: a request still pending when the last request of
its window acquired was counted as in flight then.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE = "done[i] < w_sent[k] + wins[k]"
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
        -- Each completed request's stamp: the latest anchor if every window of the row has one
        -- that closes after the request came back (so it arrived in that window or before).
        fresh := '{}';
        FOR i IN 1 .. coalesce(array_length(sent, 1), 0) LOOP
            CONTINUE WHEN done[i] IS NULL;
            latest := NULL;
            FOR k IN 1 .. coalesce(array_length(wins, 1), 0) LOOP
                IF NOT coalesce(done[i] < w_sent[k] + wins[k], false) THEN
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
    op.execute(DONE)


def downgrade() -> None:
    # 0004's function: the request must also have been acquired after the anchor came back.
    op.execute(DONE.replace(RULE, "w_done[k] <= sent[i] AND " + RULE))
