"""B1: single-process throughput of `riotjobs run tracked_player_updater` against a rate limit.

Workload: a sandbox (80 ms latency, application limit ``50:1,1000:60`` per routing value),
``--players`` tracked players with ``--matches`` unseen ranked matches each, one run of
``tracked_player_updater`` with ``max_new_matches_per_player`` = ``--matches``. Each player
costs 1 match-ids request + N match requests (americas) + 1 league request (na1).

Figures: requests, wall time, achieved req/s, the bound the limits allow for that many requests
(fixed windows starting at the first request: ``max_i floor((N-1)/l_i)*w_i`` + one round trip,
per routing value), utilization (bound / actual) and the sandbox's 429 counts. Then the same
workload with riotwatcher (``peer_riotwatcher.py``: sequential, stores nothing) on a fresh
sandbox, and the ratio ours/peer. "Request phase" is the sandbox's first-to-last request span
plus one round trip; "wall" is the whole process, start-up and database work included.

    .venv/bin/python benchmarks/b1_throughput.py
    .venv/bin/python benchmarks/b1_throughput.py --players 2 --matches 10 --json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import _common as c

LIMITS = "50:1,1000:60"
LATENCY_MS = 80.0
JOBS = """\
jobs:
  tracked_player_updater:
    schedule: "*/2 * * * *"
    timeout: 300
    tasks: [update_tracked_players]
    config: {{max_tracked_players: {players}, max_new_matches_per_player: {matches}}}
"""


def phase(stats: dict[str, Any], wall: float, limits: c.Limits) -> dict[str, Any]:
    """The request-phase figures of one run from the sandbox's stats."""
    rtt = LATENCY_MS / 1000
    total = int(stats["requests"]["total"])
    by_routing = stats["requests"]["by_routing"]
    bound = max((c.bound_seconds(int(n), limits, rtt) for n in by_routing.values()), default=0.0)
    actual = float(stats["span_seconds"]) + rtt
    limited = c.limited_429s(stats)
    return {
        "requests": total,
        "requests_by_routing": by_routing,
        "wall_s": round(wall, 3),
        "request_phase_s": round(actual, 3),
        "req_per_s": round(total / actual, 2) if actual else None,
        "req_per_s_wall": round(total / wall, 2) if wall else None,
        "bound_s": round(bound, 3),
        "utilization": round(bound / actual, 3) if actual else None,
        "utilization_wall": round(bound / wall, 3) if wall else None,
        "app_429": limited["application"],
        "method_429": limited["method"],
        "service_429": limited["service"],
        "max_peak_ratio": stats["max_peak_ratio"],
    }


def ours(players: int, matches: int) -> tuple[dict[str, Any], list[str]]:
    limits = c.parse_limits(LIMITS)
    puuids = [p["puuid"] for p in c.pick_players(players, matches=matches)]
    with (
        c.scratch_database("rj_b1") as url,
        c.sandbox(latency_ms=LATENCY_MS, app_limit=LIMITS) as sb,
    ):
        c.track(url, puuids)
        jobs = c.workdir("rj-b1-") / "jobs.yaml"
        jobs.write_text(JOBS.format(players=players, matches=matches))
        env = c.riotjobs_env(db_url=url, sb=sb, jobs_yaml=jobs)
        sb.reset_stats()
        wall = c.timed(["run", "tracked_player_updater"], env)
        stats = sb.stats()
        run = c.last_execution(url, "tracked_player_updater")
        stored = c.scalar(url, "SELECT count(*) FROM matches")
    doc = phase(stats, wall, limits)
    doc |= {"status": run.get("status"), "matches_stored": stored}
    return doc, puuids


def peer(puuids: list[str], matches: int) -> dict[str, Any]:
    limits = c.parse_limits(LIMITS)
    with c.sandbox(latency_ms=LATENCY_MS, app_limit=LIMITS) as sb:
        script = Path(__file__).with_name("peer_riotwatcher.py")
        args = [sys.executable, str(script), "--template", sb.template, "--key", sb.api_key]
        args += ["--puuids=" + ",".join(puuids), "--matches", str(matches)]
        done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=900)
        result = json.loads(done.stdout)
        stats = sb.stats()
    doc = phase(stats, float(result["wall_s"]), limits)
    doc |= {"matches_fetched": result["matches"], "stores": "nothing"}
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=6)
    parser.add_argument("--matches", type=int, default=60, help="unseen matches per player")
    parser.add_argument("--no-peer", action="store_true", help="skip the riotwatcher run")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    mine, puuids = ours(args.players, args.matches)
    theirs = None if args.no_peer else peer(puuids, args.matches)
    ratio = (
        round(mine["req_per_s"] / theirs["req_per_s"], 2)
        if theirs and theirs["req_per_s"] and mine["req_per_s"]
        else None
    )
    doc = {
        "benchmark": "b1_throughput",
        "workload": {
            "players": args.players,
            "matches_per_player": args.matches,
            "limits": LIMITS,
            "latency_ms": LATENCY_MS,
        },
        "riotjobs": mine,
        "riotwatcher": theirs,
        "ratio_ours_to_peer": ratio,
        "targets": {"utilization": 0.9, "app_method_429": 0, "ratio": 3.0},
    }
    rows: list[tuple[str, Any]] = [
        ("requests", mine["requests"]),
        ("wall time, s (process)", mine["wall_s"]),
        ("request phase, s", mine["request_phase_s"]),
        ("achieved req/s (request phase)", mine["req_per_s"]),
        ("achieved req/s (wall)", mine["req_per_s_wall"]),
        ("bound for these requests, s", mine["bound_s"]),
        ("utilization (bound / request phase)", mine["utilization"]),
        ("utilization (bound / wall)", mine["utilization_wall"]),
        (
            "429s application / method / service",
            f"{mine['app_429']} / {mine['method_429']} / {mine['service_429']}",
        ),
        ("run status", mine["status"]),
    ]
    if theirs:
        rows += [
            ("riotwatcher requests", theirs["requests"]),
            ("riotwatcher wall time, s", theirs["wall_s"]),
            ("riotwatcher req/s (request phase)", theirs["req_per_s"]),
            ("riotwatcher utilization", theirs["utilization"]),
            ("riotwatcher 429s app / method", f"{theirs['app_429']} / {theirs['method_429']}"),
            ("ratio ours / riotwatcher (req/s)", ratio),
        ]
    title = (
        f"B1 single-process throughput ({args.players} players x {args.matches} matches, {LIMITS})"
    )
    c.emit(doc, as_json=args.json, title=title, rows=rows)


if __name__ == "__main__":
    main()
