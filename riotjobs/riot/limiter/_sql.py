"""The limiter's statements. The slot check, the completions and the counting rule are database
functions (their text: ``riotjobs/db/sql``); these call them, and read, write and block rows."""

TAKE_SQL = """
SELECT slots, wait_s, clock, rejected
FROM riotjobs_rl_take(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
# Lock rows for learning and count our log for each of ``windows`` (riotjobs_rl_ours).
LOCK_SQL = """
WITH t AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now)
SELECT s.scope, s.limits, s.learned, s.probe_until, t.now,
    riotjobs_rl_ours(s.done, s.pending, t.now, %(hold)s, %(windows)s::float8[], %(reach)s)
FROM rate_limit_scopes s, t WHERE s.scope = ANY(%(ids)s) ORDER BY s.scope FOR UPDATE OF s
"""
# Phantom stamps are completions at ``now``; riotjobs_rl_take trims what no window needs.
WRITE_SQL = """
UPDATE rate_limit_scopes SET limits = %(limits)s, learned = %(learned)s,
    probe_until = %(probe)s, updated_at = now(),
    done = ARRAY(
        SELECT x FROM unnest(done || array_fill(%(now)s::float8, ARRAY[%(phantoms)s::integer])) AS x
        ORDER BY 1
    )
WHERE scope = %(scope)s
"""
ENSURE_SQL = """
INSERT INTO rate_limit_scopes (scope, limits)
SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT (scope) DO NOTHING
"""
# Move requests from pending to done, locking the rows in acquire's order (riotjobs_rl_done);
# return what learning needs, with our count of stamps for each window Riot counted, and the
# refusals (a 429's block, a rejected key) recorded meanwhile.
DONE_SQL = """
SELECT o_scope, o_limits, o_learned, o_probe_until, o_clock, o_ours, o_blocked_until, o_rejected
FROM riotjobs_rl_done(
    %(ids)s::text[], %(key)s, %(sent)s::float8[], %(done)s::float8[], %(a_scope)s::text[],
    %(a_window)s::float8[], %(a_sent)s::float8[], %(a_done)s::float8[], %(windows)s::float8[],
    %(hold)s, %(margin)s, %(slack)s
)
"""
BLOCK_SQL = """
UPDATE rate_limit_scopes
SET blocked_until = greatest(
        coalesce(blocked_until, 0), extract(epoch FROM clock_timestamp()) + %s
    ), updated_at = now()
WHERE scope = %s
"""
# Before a stale slot is used: is any of its rows blocked now, and was the key refused?
REFUSED_SQL = """
WITH t AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now)
SELECT
    EXISTS (
        SELECT 1 FROM rate_limit_scopes s, t
        WHERE s.scope = ANY(%(ids)s) AND s.blocked_until > t.now
    ),
    (SELECT k.status FROM rate_limit_keys k, t WHERE k.fp = %(fp)s AND k.rejected_until > t.now)
"""
# A key Riot refused: every process sharing it stops taking slots until ``rejected_until``.
REJECT_SQL = """
INSERT INTO rate_limit_keys AS k (fp, status, rejected_until)
VALUES (%(fp)s, %(status)s, extract(epoch FROM clock_timestamp()) + %(hold)s)
ON CONFLICT (fp) DO UPDATE
SET status = excluded.status, rejected_until = excluded.rejected_until, updated_at = now()
"""
