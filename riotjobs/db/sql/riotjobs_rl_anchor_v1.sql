CREATE OR REPLACE FUNCTION riotjobs_rl_anchor(marks float8[], win float8) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT n FROM generate_series(1, coalesce(array_length(marks, 1), 0) / 3) AS n
    WHERE marks[3 * n - 2] = win LIMIT 1
$$
