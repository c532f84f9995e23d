"""The limiter's statements. The slot check and the completions are database functions
(migrations 0003 and 0004); these call them, and read, write and block rows."""

TAKE_SQL = "SELECT slots, wait_s, clock FROM riotjobs_rl_take(%s, %s, %s, %s, %s, %s, %s)"
LOCK_SQL = """
WITH t AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now)
SELECT s.scope, s.limits, s.learned, s.stamps, s.blocked_until, s.probe_until, t.now
FROM rate_limit_scopes s, t WHERE s.scope = ANY(%s) ORDER BY s.scope FOR UPDATE OF s
"""
WRITE_SQL = """
UPDATE rate_limit_scopes SET limits = %s, learned = %s, stamps = %s::float8[],
    probe_until = %s, updated_at = now()
WHERE scope = %s
"""
ENSURE_SQL = """
INSERT INTO rate_limit_scopes (scope, limits)
SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT (scope) DO NOTHING
"""
# Replace requests' pending stamps by their logged completions (migration 0004: a request of a
# window whose anchor we know is logged at the anchor's completion), locking the rows in
# acquire's order; return what learning needs, with our count of stamps for each window Riot
# counted.
DONE_SQL = """
SELECT o_scope, o_limits, o_learned, o_probe_until, o_clock, o_ours
FROM riotjobs_rl_done(
    %(ids)s::text[], %(sent)s::float8[], %(done)s::float8[], %(a_scope)s::text[],
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
