CREATE OR REPLACE FUNCTION public.riotjobs_rl_counted(done double precision[], pending double precision[], at double precision, hold double precision)
 RETURNS double precision[]
 LANGUAGE sql
 IMMUTABLE
AS $function$
    -- The counting rule, the only place it is written: the stamps a scope's limits count at
    -- ``at``. A completed request counts at its completion (``done``); a request still in
    -- flight since ``pending`` counts as completing now, but at most ``hold`` seconds after it
    -- was acquired, so a crashed process cannot hold a slot for ever. Unordered.
    SELECT done || ARRAY(SELECT least(at, p + hold) FROM unnest(pending) AS p)
$function$
