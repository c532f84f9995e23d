CREATE OR REPLACE FUNCTION public.riotjobs_rl_ours(done double precision[], pending double precision[], at double precision, hold double precision, windows double precision[], reach double precision)
 RETURNS integer[]
 LANGUAGE sql
 IMMUTABLE
AS $function$
    -- For each of ``windows``, how many counted stamps lie within ``window + reach`` of ``at``:
    -- our log's count, to compare with the counts Riot announces (``reach`` is the margin plus
    -- some slack against false alarms).
    SELECT ARRAY(
        SELECT (SELECT count(*)::integer FROM unnest(c.stamps) AS x WHERE x > at - w.win - reach)
        FROM unnest(windows) WITH ORDINALITY AS w(win, n),
            (SELECT riotjobs_rl_counted(done, pending, at, hold) AS stamps) AS c
        ORDER BY w.n
    )
$function$
