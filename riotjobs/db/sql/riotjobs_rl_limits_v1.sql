CREATE OR REPLACE FUNCTION public.riotjobs_rl_limits(limits text)
 RETURNS TABLE(count integer, win double precision)
 LANGUAGE sql
 IMMUTABLE
AS $function$
    -- A limits text ("20:1,100:120") as rows of (count, window in seconds), in its order.
    SELECT split_part(p, ':', 1)::integer, split_part(p, ':', 2)::float8
    FROM unnest(string_to_array(limits, ',')) AS p
$function$
