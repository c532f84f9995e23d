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
