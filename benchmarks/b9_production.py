"""B9: a production key. Does one updater run keep ``500:10,30000:600`` full for 1,500 matches?

Workload: a sandbox (80 ms latency, application limit ``500:10,30000:600`` per routing value,
the sandbox's default method limits, e.g. ``2000:10`` for match-v5), ``--players`` tracked
players on na1 with ``--matches`` unseen ranked matches each (default 30 x 50 = 1,500 match
requests on americas, plus 1 match-ids request per player there and 1 league request per
player on na1; a league of ``--league`` 3,000 players, since 1,000 hold too few players with
disjoint match lists); one run of ``tracked_player_updater`` (job timeout 300 s: the bound
is about 30 s).

Figures: answered requests on the busiest routing value (americas), the request phase (the
sandbox's first-to-last request span plus one round trip), utilization =
``bound_seconds(answered on americas) / request phase`` (fixed windows that start at the first
request, as in B1), and the 429s by type. Targets (issue 17): utilization >= 0.97, 0
application or method 429s.

    .venv/bin/python benchmarks/b9_production.py
    .venv/bin/python benchmarks/b9_production.py --players 2 --matches 10 --json
"""

from __future__ import annotations

import argparse
from typing import Any

import _common as c

LIMITS = "500:10,30000:600"
LATENCY_MS = 80.0
TARGET_UTILIZATION = 0.97


def measure(players: int, matches: int, league: int) -> dict[str, Any]:
    puuids = [p["puuid"] for p in c.pick_players(players, matches=matches, league=league)]
    limits = c.parse_limits(LIMITS)
    rtt = LATENCY_MS / 1000
    with (
        c.scratch_database("rj_b9") as url,
        c.sandbox(latency_ms=LATENCY_MS, app_limit=LIMITS, players=league) as sb,
    ):
        c.track(url, puuids)
        jobs = c.workdir("rj-b9-") / "jobs.yaml"
        jobs.write_text(c.UPDATER_JOBS.format(players=players, matches=matches))
        env = c.riotjobs_env(db_url=url, sb=sb, jobs_yaml=jobs)
        sb.reset_stats()
        wall = c.timed(["run", "tracked_player_updater"], env)
        stats = sb.stats()
        run = c.last_execution(url, "tracked_player_updater")
        stored = c.scalar(url, "SELECT count(*) FROM matches")
    served = c.served_by_routing(stats)
    busiest = max(served, key=lambda r: served[r]) if served else ""
    answered = served.get(busiest, 0)
    bound = c.bound_seconds(answered, limits, rtt)
    phase = float(stats["span_seconds"]) + rtt
    limited = c.limited_429s(stats)
    util = round(bound / phase, 3) if phase else None
    return {
        "status": run.get("status"),
        "matches_stored": stored,
        "requests": int(stats["requests"]["total"]),
        "requests_by_routing": stats["requests"]["by_routing"],
        "busiest_routing": busiest,
        "answered_busiest": answered,
        "wall_s": round(wall, 3),
        "request_phase_s": round(phase, 3),
        "bound_s": round(bound, 3),
        "utilization": util,
        "answered_per_s": round(sum(served.values()) / phase, 2) if phase else None,
        "app_429": limited["application"],
        "method_429": limited["method"],
        "service_429": limited["service"],
        "max_peak_ratio": stats["max_peak_ratio"],
        "met": util is not None
        and util >= TARGET_UTILIZATION
        and limited["application"] == limited["method"] == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=30)
    parser.add_argument("--matches", type=int, default=50, help="unseen matches per player")
    parser.add_argument(
        "--league", type=int, default=3000, help="sandbox players (1,000 has too few for 30 x 50)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    result = measure(args.players, args.matches, args.league)
    doc = {
        "benchmark": "b9_production",
        "workload": {
            "players": args.players,
            "matches_per_player": args.matches,
            "match_requests": args.players * args.matches,
            "league_players": args.league,
            "limits": LIMITS,
            "latency_ms": LATENCY_MS,
        },
        **result,
        "targets": {"utilization": TARGET_UTILIZATION, "app_method_429": 0},
    }
    r = result
    rows: list[tuple[str, Any]] = [
        ("run status, matches stored", f"{r['status']}, {r['matches_stored']}"),
        ("requests by routing value", r["requests_by_routing"]),
        (
            f"answered on {r['busiest_routing']}, phase s (bound s)",
            f"{r['answered_busiest']}, {r['request_phase_s']} ({r['bound_s']})",
        ),
        (f"utilization (target >= {TARGET_UTILIZATION})", r["utilization"]),
        (
            "429s app / method / service",
            f"{r['app_429']} / {r['method_429']} / {r['service_429']}",
        ),
        ("targets met", r["met"]),
        ("wall s (whole process)", r["wall_s"]),
    ]
    c.emit(doc, as_json=args.json, title=f"B9 production key ({LIMITS})", rows=rows)


if __name__ == "__main__":
    main()
