"""B6: smurf analysis throughput — N players with M queue-420 matches each, analysed in one run.

Builds a scratch database (``RIOTJOBS_BENCH_DATABASE_URL``, else the local server
``postgresql://postgres@127.0.0.1:5432/postgres``, else an embedded cluster), fills it with
bulk ``generate_series`` SQL (every match has ten participants drawn from the benchmark's
players, one in ten players plays twice as well as the lobby), runs the ``analyze_players``
library function over all of them and prints players/s. The target is 10,000 players x 20
matches in under 30 s.

    .venv/bin/python benchmarks/b6_analysis.py               # full size
    .venv/bin/python benchmarks/b6_analysis.py --players 500 --json
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

import psycopg
from _common import scratch_database

TARGET_S = 30.0

_FILL = """
INSERT INTO players (puuid, platform, summoner_level, is_tracked, is_active, is_analyzed)
SELECT 'B' || lpad(g::text, 7, '0'), 'na1', 30 + (g * 37) %% 870, false, true, false
FROM generate_series(0, %(n)s - 1) g;

INSERT INTO matches (match_id, platform_id, queue_id, game_creation, game_end, game_duration,
                     participant_count)
SELECT 'NA1_' || i, 'NA1', 420, now() - make_interval(mins => 40 * (%(m)s - i)),
       now() - make_interval(mins => 40 * (%(m)s - i) - 30), 1800, 10
FROM generate_series(0, %(m)s - 1) i;

INSERT INTO match_participants (match_id, puuid, participant_id, team_id, champion_id,
    team_position, win, kills, deaths, assists, champ_level, summoner_level, gold_earned,
    total_damage_dealt_to_champions, total_damage_taken, total_minions_killed,
    neutral_minions_killed, vision_score, time_played)
SELECT 'NA1_' || i, 'B' || lpad(p::text, 7, '0'), j + 1, CASE WHEN j < 5 THEN 100 ELSE 200 END,
       1 + j, (ARRAY['TOP','JUNGLE','MIDDLE','BOTTOM','UTILITY'])[j %% 5 + 1],
       (j < 5) = (i %% 2 = 0),
       floor(f * (2 + random() * 8)), greatest(0, floor((2 + random() * 7) / f)),
       floor(f * (3 + random() * 9)), 16, 30 + (p * 37) %% 870,
       floor(f * (9000 + random() * 4000)), floor(f * (15000 + random() * 12000)), 20000,
       floor(f * (j %% 5 = 4)::int * 30 + f * (j %% 5 <> 4)::int * (140 + random() * 60)),
       0, floor(20 + random() * 30), 1800
FROM generate_series(0, %(m)s - 1) i
CROSS JOIN generate_series(0, 9) j
CROSS JOIN LATERAL (SELECT ((i * 10 + j) * %(mult)s) %% %(n)s AS p) pick
CROSS JOIN LATERAL (SELECT CASE WHEN pick.p %% 10 = 0 THEN 2.0 ELSE 1.0 END AS f) boost;

INSERT INTO player_ranks (puuid, queue_type, tier, rank, league_points, wins, losses,
                          recorded_at)
SELECT puuid, 'RANKED_SOLO_5x5', t.tier, 'II', 40, t.games / 2, t.games - t.games / 2, t.at
FROM players
CROSS JOIN (VALUES ('SILVER', 10, now() - interval '10 days'),
                   ('GOLD', 30, now())) AS t(tier, games, at);

ANALYZE
"""


def _multiplier(n: int) -> int:
    return next(k for k in (7, 11, 13, 17, 19, 23) if math.gcd(k, n) == 1)


def run(players: int, matches: int) -> dict[str, Any]:
    from riotjobs.analysis import AnalysisOptions, analyze_players
    from riotjobs.db.engine import create_engine, to_sqlalchemy

    if players < 100 or players * matches % 10:
        raise SystemExit("--players must be >= 100 and players x matches a multiple of 10")
    with scratch_database("rj_b6") as url:
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            params = {"n": players, "m": players * matches // 10, "mult": _multiplier(players)}
            for statement in _FILL.split(";\n\n"):
                conn.execute(statement, params if "%(" in statement else None)
        generated = time.perf_counter() - started
        engine = create_engine(to_sqlalchemy(url), application_name="riotjobs b6")
        try:
            started = time.perf_counter()
            result = analyze_players(
                engine=engine, options=AnalysisOptions(limit=players, min_matches=matches)
            )
            elapsed = time.perf_counter() - started
        finally:
            engine.dispose()
    return {
        "benchmark": "b6_analysis",
        "players": players,
        "matches_per_player": matches,
        "analyzed": result.analyzed,
        "smurfs": result.smurfs,
        "failures": len(result.failures),
        "generate_s": round(generated, 2),
        "analyze_s": round(elapsed, 2),
        "players_per_s": round(result.analyzed / elapsed, 1) if elapsed else None,
        "target_s": TARGET_S,
        "pass": result.analyzed == players and elapsed < TARGET_S * players / 10_000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=10_000)
    parser.add_argument("--matches", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    doc = run(args.players, args.matches)
    if args.json:
        print(json.dumps(doc))
        return
    width = max(len(k) for k in doc)
    print("B6 smurf analysis")
    for key, value in doc.items():
        print(f"  {key:<{width}}  {value}")


if __name__ == "__main__":
    main()
