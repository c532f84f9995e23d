CREATE OR REPLACE FUNCTION public.riotjobs_rl_done(ids text[], key_fp text, sent_at double precision[], done_at double precision[], a_scope text[], a_window double precision[], a_sent double precision[], a_done double precision[], windows double precision[], hold double precision, margin double precision, slack double precision)
 RETURNS TABLE(o_scope text, o_limits text, o_learned boolean, o_probe_until double precision, o_clock double precision, o_ours integer[], o_blocked_until double precision, o_rejected integer)
 LANGUAGE plpgsql
AS $function$
-- Completions (migration 0004 explains anchors and why the rule stays safe). Locks the rows of
-- ``ids`` in scope order like riotjobs_rl_take and, for a batch of requests (``sent_at``: their
-- pending stamps; ``done_at``: completion times, NULL for slots never used):
-- 1. records the batch's anchors (``a_*``: responses Riot counted first in a window), the
--    latest per window, and then drops anchors too old to anchor any request in flight;
-- 2. moves each request from ``pending`` to ``done``, logged at its completion, or at the
--    latest anchor's completion if that is earlier, when, for every limit of the row, the
--    request completed before the window's anchor's acquire + window: Riot counted it in that
--    window or an earlier one, and either ends by the anchor's completion + window. Unlike v2,
--    a request acquired before the anchor came back qualifies too (migration 0007: a window
--    handed out at once then frees at once, instead of passing its answers' spread on);
-- 3. returns what learning needs: the row's limits, learned, probe_until, the clock and, for
--    each of ``windows``, our count within window + margin + slack (riotjobs_rl_ours); and
--    the refusals recorded meanwhile: the row's blocked_until and the status that rejected
--    the key (``key_fp``), if it was, so a process drops the spare slots it holds.
DECLARE
    at float8 := extract(epoch FROM clock_timestamp());
    r record;
    w_win float8[];
    w_sent float8[];
    w_done float8[];
    fresh float8[];
    kept_done float8[];
    kept_pending float8[];
    refused integer;
BEGIN
    SELECT k.status INTO refused FROM rate_limit_keys k
    WHERE k.fp = key_fp AND k.rejected_until > at;
    FOR r IN
        SELECT s.scope, s.limits, s.learned, s.probe_until, s.blocked_until
        FROM rate_limit_scopes s WHERE s.scope = ANY(ids) ORDER BY s.scope FOR UPDATE
    LOOP
        IF r.scope = ANY(a_scope) THEN
            INSERT INTO rate_limit_anchors AS a (scope, win, sent, done)
            SELECT DISTINCT ON (m.win) r.scope, m.win, m.sent, m.done
            FROM unnest(a_scope, a_window, a_sent, a_done) AS m(scope, win, sent, done)
            WHERE m.scope = r.scope
            ORDER BY m.win, m.done DESC
            ON CONFLICT (scope, win) DO UPDATE SET sent = excluded.sent, done = excluded.done
            WHERE a.done < excluded.done;
            -- Only tidiness (an anchor that old holds no request completing now), so only here.
            DELETE FROM rate_limit_anchors a
            WHERE a.scope = r.scope AND a.sent + a.win <= at - hold;
        END IF;
        -- Each limit's anchor (NULLs where a window has none), looked up once per row.
        SELECT array_agg(l.win ORDER BY l.n), array_agg(a.sent ORDER BY l.n),
            array_agg(a.done ORDER BY l.n)
        INTO w_win, w_sent, w_done
        FROM riotjobs_rl_limits(r.limits) WITH ORDINALITY AS l(count, win, n)
        LEFT JOIN rate_limit_anchors a ON a.scope = r.scope AND a.win = l.win;
        fresh := ARRAY(
            SELECT least(d.done, (
                SELECT CASE
                    WHEN bool_and(coalesce(d.done < w.sent + w.win, false))
                    THEN max(w.done)
                END
                FROM unnest(w_win, w_sent, w_done) AS w(win, sent, done)
            ))
            FROM unnest(sent_at, done_at) AS d(sent, done)
            WHERE d.done IS NOT NULL
        );
        UPDATE rate_limit_scopes s
        SET pending = ARRAY(SELECT p FROM unnest(s.pending) AS p WHERE p <> ALL(sent_at)),
            done = ARRAY(
                SELECT x FROM (SELECT unnest(s.done) UNION ALL SELECT unnest(fresh)) AS u(x)
                ORDER BY 1
            ),
            updated_at = now()
        WHERE s.scope = r.scope
        RETURNING s.done, s.pending INTO kept_done, kept_pending;
        o_scope := r.scope;
        o_limits := r.limits;
        o_learned := r.learned;
        o_probe_until := r.probe_until;
        o_clock := at;
        o_ours := riotjobs_rl_ours(kept_done, kept_pending, at, hold, windows, margin + slack);
        o_blocked_until := CASE WHEN r.blocked_until > at THEN r.blocked_until END;
        o_rejected := refused;
        RETURN NEXT;
    END LOOP;
END
$function$
