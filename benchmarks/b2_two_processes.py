"""B2: two processes, one key. `tracked_player_updater` and `player_analyzer` start at once.

Workload: a sandbox (80 ms latency, application limit ``20:1,100:30`` per routing value), 6
tracked players with 60 unseen matches each and ``--discovered`` discovered players waiting for
their first 20 ranked matches: far more work than the limits allow in the runs' ``--timeout``,
so both processes want the key the whole time and only the shared limiter keeps them apart.

Figures: requests served (not 429) per routing value, the requests the limits allow in the
measured span (sandbox's first to last request; fixed windows from the first request, every
window that starts in the span counted in full), utilization = served / allowed on the busiest
routing value (``americas``: match ids and matches; ``na1`` carries one league call per
player and is demand-bound), and 429s by type. Peer: two riotwatcher processes doing the same
two workloads (``peer_riotwatcher.py``, each with its own per-process limiter), same span rule.

    .venv/bin/python benchmarks/b2_two_processes.py
    .venv/bin/python benchmarks/b2_two_processes.py --timeout 12 --json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import _common as c

LIMITS = "20:1,100:30"
LATENCY_MS = 80.0
TRACKED, MATCHES = 6, 60
JOBS = """\
jobs:
  tracked_player_updater:
    schedule: "*/2 * * * *"
    timeout: {timeout}
    tasks: [update_tracked_players]
    config: {{max_tracked_players: {tracked}, max_new_matches_per_player: {matches}}}
  player_analyzer:
    schedule: "*/2 * * * *"
    timeout: {timeout}
    tasks: [fetch_discovered_matches, analyze_players, check_bans]
    config: {{players_per_run: {discovered}, target_matches: 20}}
"""
DISCOVER = """
INSERT INTO players (puuid, platform, is_tracked, is_active, is_analyzed, is_banned,
                     created_at, updated_at)
SELECT unnest(%s::text[]), 'na1', false, true, false, false, now(), now()
"""


def utilization(stats: dict[str, Any]) -> dict[str, Any]:
    limits = c.parse_limits(LIMITS)
    span = float(stats["span_seconds"])
    allowed = c.allowed_in_span(span, limits)
    served: dict[str, int] = {}
    for routing, total in stats["requests"]["by_routing"].items():
        limited = sum(
            n
            for scope, n in stats["rate_limited"]["by_scope"].items()
            if scope.startswith(routing + " ")
        )
        served[routing] = int(total) - limited
    busiest = max(served, key=lambda r: served[r]) if served else None
    limited = c.limited_429s(stats)
    return {
        "requests": stats["requests"]["total"],
        "served_by_routing": served,
        "span_s": round(span, 3),
        "allowed_in_span": allowed,
        "busiest_routing": busiest,
        "utilization": round(served[busiest] / allowed, 3) if busiest else None,
        "app_429": limited["application"],
        "method_429": limited["method"],
        "service_429": limited["service"],
        "max_peak_ratio": stats["max_peak_ratio"],
        "rate_limited_by_scope": stats["rate_limited"]["by_scope"],
        "app_windows": [w for w in stats["windows"] if w["scope"] == "application"],
    }


def ours(timeout: int, tracked: list[str], discovered: list[str]) -> dict[str, Any]:
    with (
        c.scratch_database("rj_b2") as url,
        c.sandbox(latency_ms=LATENCY_MS, app_limit=LIMITS) as sb,
    ):
        c.track(url, tracked)
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute(DISCOVER, (discovered,))
        jobs = c.workdir("rj-b2-") / "jobs.yaml"
        jobs.write_text(
            JOBS.format(
                timeout=timeout, tracked=len(tracked), matches=MATCHES, discovered=len(discovered)
            )
        )
        env = c.riotjobs_env(db_url=url, sb=sb, jobs_yaml=jobs)
        sb.reset_stats()
        started = time.perf_counter()
        procs = {
            job: subprocess.Popen(
                [c.RIOTJOBS, "run", job],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for job in ("tracked_player_updater", "player_analyzer")
        }
        codes = {job: p.wait(timeout + 60) for job, p in procs.items()}
        wall = time.perf_counter() - started
        stats = sb.stats()
        runs = {job: c.last_execution(url, job) for job in procs}
    doc = utilization(stats)
    doc |= {
        "wall_s": round(wall, 3),
        "exit_codes": codes,
        "statuses": {job: r.get("status") for job, r in runs.items()},
        "api_requests": {job: r.get("api_requests_made") for job, r in runs.items()},
    }
    return doc


def peer(timeout: int, tracked: list[str], discovered: list[str]) -> dict[str, Any]:
    script = str(Path(__file__).with_name("peer_riotwatcher.py"))
    with c.sandbox(latency_ms=LATENCY_MS, app_limit=LIMITS) as sb:
        base = [sys.executable, script, "--template", sb.template, "--key", sb.api_key]
        base += ["--deadline", str(timeout)]
        work = {
            "updater": ["--puuids=" + ",".join(tracked), "--matches", str(MATCHES)],
            "analyzer": ["--puuids=" + ",".join(discovered), "--matches", "20"],
        }
        procs = {
            name: subprocess.Popen([*base, *args], stdout=subprocess.PIPE, text=True)
            for name, args in work.items()
        }
        results = {
            name: json.loads(p.communicate(timeout=timeout + 120)[0]) for name, p in procs.items()
        }
        stats = sb.stats()
    doc = utilization(stats)
    doc |= {"processes": results, "stores": "nothing"}
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=int, default=60, help="each run's timeout, seconds")
    parser.add_argument("--discovered", type=int, default=40)
    parser.add_argument("--no-peer", action="store_true", help="skip the riotwatcher run")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    players = c.pick_players(TRACKED, matches=MATCHES, spare=args.discovered)
    puuids = [p["puuid"] for p in players]
    tracked, discovered = puuids[:TRACKED], puuids[TRACKED:]
    mine = ours(args.timeout, tracked, discovered)
    theirs = None if args.no_peer else peer(args.timeout, tracked, discovered)
    doc = {
        "benchmark": "b2_two_processes",
        "workload": {
            "limits": LIMITS,
            "latency_ms": LATENCY_MS,
            "timeout_s": args.timeout,
            "tracked": TRACKED,
            "discovered": args.discovered,
        },
        "riotjobs": mine,
        "riotwatcher": theirs,
        "targets": {"utilization": 0.9, "app_method_429": 0},
    }
    rows: list[tuple[str, Any]] = [
        ("requests (both processes)", mine["requests"]),
        ("served by routing value", mine["served_by_routing"]),
        ("measured span, s", mine["span_s"]),
        ("requests the limits allow in the span", mine["allowed_in_span"]),
        (f"combined utilization ({mine['busiest_routing']})", mine["utilization"]),
        (
            "429s application / method / service",
            f"{mine['app_429']} / {mine['method_429']} / {mine['service_429']}",
        ),
        ("run statuses", mine["statuses"]),
    ]
    if theirs:
        rows += [
            ("riotwatcher requests", theirs["requests"]),
            ("riotwatcher served by routing value", theirs["served_by_routing"]),
            ("riotwatcher utilization", theirs["utilization"]),
            (
                "riotwatcher 429s application / method / service",
                f"{theirs['app_429']} / {theirs['method_429']} / {theirs['service_429']}",
            ),
        ]
    c.emit(doc, as_json=args.json, title=f"B2 two processes, one key ({LIMITS})", rows=rows)


if __name__ == "__main__":
    main()
