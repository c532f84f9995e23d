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
