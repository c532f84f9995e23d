CREATE OR REPLACE FUNCTION public.riotjobs_rl_take(ids text[], wanted integer, key_fp text, margin double precision, hold double precision, probe_timeout double precision, probe_poll double precision, slack double precision, lane integer, reserve double precision, grace double precision)
 RETURNS TABLE(slots double precision[], wait_s double precision, clock double precision, rejected integer)
 LANGUAGE plpgsql
AS $function$
-- The limiter's slot check (riotjobs.riot.limiter.core has the reasoning). Locks the rows of
-- ``ids`` in scope order (two acquirers never deadlock) and takes up to ``wanted`` slots:
-- - a request fits when, for every count:window of every row, fewer than count stamps
--   counted by riotjobs_rl_counted are newer than now - window - margin;
-- - a row blocked by a 429 admits nothing until blocked_until;
-- - a row whose limits were never announced admits one request (the probe) at a time;
-- - a key that Riot rejected (rate_limit_keys) admits nothing until rejected_until.
-- Lanes (``lane``: 0 high, 1 normal, 2 low; the reasoning is in core.py):
-- - below high, a row's count:window admits at most count - ceil(count * reserve) stamps
--   (at least 1): the reserve is high's alone;
-- - a lane admits nothing on a row where a higher lane waits (high_waits_until,
--   normal_waits_until in the future);
-- - a high or normal acquirer that gets nothing marks every row that had no room for it as
--   waited on by its lane until the moment it will ask again plus ``grace``.
-- Returns the pending stamps written (unique in every row, so a completion finds its own),
-- or none and the seconds until one more would fit; the database clock; and the HTTP status
-- that rejected the key, if it was. slots is NULL when a row is missing (deleted under us).
DECLARE
    at float8 := extract(epoch FROM clock_timestamp());
    r record;
    lim record;
    counted float8[];
    recent integer;
    cap integer;
    room integer := wanted;
    row_room integer;
    delay float8 := 0;
    busy float8[] := '{}';
    mine float8[] := '{}';
    full_rows text[] := '{}';
    stamp float8;
    seen integer := 0;
    refused integer;
BEGIN
    FOR r IN
        SELECT s.scope, s.limits, s.learned, s.done, s.pending, s.blocked_until, s.probe_until,
            s.high_waits_until, s.normal_waits_until
        FROM rate_limit_scopes s WHERE s.scope = ANY(ids) ORDER BY s.scope FOR UPDATE
    LOOP
        seen := seen + 1;
        row_room := wanted;
        IF r.blocked_until IS NOT NULL AND r.blocked_until > at THEN
            row_room := 0;
            delay := greatest(delay, r.blocked_until - at);
        END IF;
        IF NOT r.learned THEN
            IF r.probe_until IS NOT NULL AND r.probe_until > at THEN
                row_room := 0;
                delay := greatest(delay, least(probe_poll, r.probe_until - at));
            ELSE
                row_room := least(row_room, 1);
            END IF;
        END IF;
        counted := riotjobs_rl_counted(r.done, r.pending, at, hold);
        FOR lim IN SELECT l.count, l.win FROM riotjobs_rl_limits(r.limits) AS l LOOP
            cap := lim.count;
            IF lane > 0 AND lim.count > 0 THEN
                cap := greatest(1, lim.count - ceil(lim.count * reserve - 1e-9)::integer);
            END IF;
            SELECT count(*) INTO recent FROM unnest(counted) AS c WHERE c > at - lim.win - margin;
            row_room := least(row_room, cap - recent);
            IF recent >= cap THEN
                IF cap = 0 THEN
                    delay := greatest(delay, lim.win);
                ELSE
                    -- One more fits once all but cap - 1 of the recent stamps have aged out:
                    -- wait for the cap-th newest of them (only sorted on this slow path).
                    delay := greatest(delay, (
                        SELECT c FROM unnest(counted) AS c ORDER BY c DESC
                        OFFSET cap - 1 LIMIT 1
                    ) - (at - lim.win - margin));
                END IF;
            END IF;
        END LOOP;
        -- A higher lane waits for this row: its next free slot is that lane's.
        IF lane >= 1 AND r.high_waits_until > at THEN
            row_room := 0;
            delay := greatest(delay, r.high_waits_until - at);
        END IF;
        IF lane >= 2 AND r.normal_waits_until > at THEN
            row_room := 0;
            delay := greatest(delay, r.normal_waits_until - at);
        END IF;
        IF row_room <= 0 THEN
            full_rows := full_rows || r.scope;
        END IF;
        room := least(room, row_room);
        busy := busy || r.pending;
    END LOOP;
    IF seen <> coalesce(array_length(ids, 1), 0) THEN
        RETURN QUERY SELECT NULL::float8[], probe_poll, at, NULL::integer;
        RETURN;
    END IF;
    -- Read under the rows' locks: a rejection recorded before them is always seen.
    SELECT k.status INTO refused FROM rate_limit_keys k
    WHERE k.fp = key_fp AND k.rejected_until > at;
    IF refused IS NOT NULL THEN
        RETURN QUERY SELECT '{}'::float8[], 0::float8, at, refused;
        RETURN;
    END IF;
    IF room <= 0 THEN
        -- The lanes below must leave these rows' next slots to this one: it asks again after
        -- ``delay`` (plus the caller's jitter), and ``grace`` covers that jitter and a round trip.
        IF lane = 0 THEN
            UPDATE rate_limit_scopes s
            SET high_waits_until = greatest(coalesce(s.high_waits_until, 0), at + delay + grace)
            WHERE s.scope = ANY(full_rows);
        ELSIF lane = 1 THEN
            UPDATE rate_limit_scopes s
            SET normal_waits_until = greatest(coalesce(s.normal_waits_until, 0), at + delay + grace)
            WHERE s.scope = ANY(full_rows);
        END IF;
        RETURN QUERY SELECT '{}'::float8[], delay, at, NULL::integer;
        RETURN;
    END IF;
    stamp := at;
    WHILE coalesce(array_length(mine, 1), 0) < room LOOP
        IF NOT stamp = ANY(busy) THEN
            mine := mine || stamp;
        END IF;
        stamp := stamp + 1e-6;
    END LOOP;
    -- Append the new pending stamps and drop what no window needs any more: completions
    -- older than the longest window (plus margin and slack), and pending stamps whose hold
    -- ended before that.
    UPDATE rate_limit_scopes s
    SET probe_until = CASE WHEN s.learned THEN NULL ELSE at + probe_timeout END,
        updated_at = now(),
        done = ARRAY(SELECT x FROM unnest(s.done) AS x WHERE x > h.horizon),
        pending = ARRAY(SELECT p FROM unnest(s.pending) AS p WHERE p + hold > h.horizon) || mine
    FROM (
        SELECT t.scope, at - coalesce(max(l.win), 0) - margin - slack AS horizon
        FROM rate_limit_scopes t LEFT JOIN LATERAL riotjobs_rl_limits(t.limits) AS l ON true
        WHERE t.scope = ANY(ids) GROUP BY t.scope
    ) AS h
    WHERE s.scope = h.scope;
    RETURN QUERY SELECT mine, 0::float8, at, NULL::integer;
END
$function$
