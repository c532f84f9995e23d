"""B7: priority lanes. A backlog holds a development key; how long does the tracked updater wait?

Workload: a sandbox (80 ms latency, a development key's application limit ``20:1,100:120`` per
routing value), ``--discovered`` discovered players waiting for their first 20 ranked matches
(far more than the two-minute window allows) and 2 tracked players with 6 unseen ranked
matches each: the updater's run is about 16 requests (1 match-id list and 6 matches per player
on americas, 1 league call per player on na1).

Three measurements, each on its own sandbox and database (fresh windows):

- ``idle``: ``tracked_player_updater`` alone on an idle key.
- ``lanes``: ``player_analyzer`` (its ``fetch_discovered_matches`` task is low priority) runs
  for ``--head-start`` seconds, then the updater (high) starts; jobs.yaml's default reserve
  (20 %). The analyzer is stopped once the updater is done.
- ``no lanes``: the same with every task at ``priority: normal`` and ``reserve: 0``: today's
  first come, first served, where the backlog takes the whole window and the updater waits for
  the next one.

Figures: the updater's wall time (``riotjobs run``, process start to exit) in each, the ratio
to ``idle`` (target: at most 1.5 with lanes), and the 429s by type the sandbox counted (target:
0 application or method). Idle and lanes runs take turns ``--repeat`` times (default 2) and
report the median run; the no-lanes run (about two minutes) is measured once.

    .venv/bin/python benchmarks/b7_priorities.py
    .venv/bin/python benchmarks/b7_priorities.py --no-compare --json
"""

from __future__ import annotations

import argparse
import subprocess
import time
from typing import Any

import _common as c

LIMITS = "20:1,100:120"
LATENCY_MS = 80.0
TRACKED, MATCHES = 2, 6
ANALYZER_TIMEOUT = 300  # longer than any measurement: the benchmark stops it
JOBS = """\
defaults:
  timeout: 300
{reserve}
jobs:
  tracked_player_updater:
    schedule: "*/2 * * * *"
    tasks: [update_tracked_players]
    config: {{max_tracked_players: {tracked}, max_new_matches_per_player: {matches}}}
{updater_priority}
  player_analyzer:
    schedule: "*/2 * * * *"
    timeout: {analyzer_timeout}
    tasks: [fetch_discovered_matches, analyze_players, check_bans]
    config: {{players_per_run: {discovered}, target_matches: 20}}
{analyzer_priority}
"""
DISCOVER = """
INSERT INTO players (puuid, platform, is_tracked, is_active, is_analyzed, is_banned,
                     created_at, updated_at)
SELECT unnest(%s::text[]), 'na1', false, true, false, false, now(), now()
"""


def jobs_yaml(lanes: bool, discovered: int) -> str:
    flat = "    priority: normal"  # every task of the job
    return JOBS.format(
        reserve="" if lanes else "  reserve: 0",
        tracked=TRACKED,
        matches=MATCHES,
        discovered=discovered,
        analyzer_timeout=ANALYZER_TIMEOUT,
        updater_priority="" if lanes else flat,
        analyzer_priority="" if lanes else flat,
    )


def measure(
    scenario: str, tracked: list[str], discovered: list[str], head_start: float
) -> dict[str, Any]:
    """One scenario: ``idle`` (the updater alone), ``lanes`` or ``no lanes``."""
    with (
        c.scratch_database("rj_b7") as url,
        c.sandbox(latency_ms=LATENCY_MS, app_limit=LIMITS) as sb,
    ):
        c.track(url, tracked)
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute(DISCOVER, (discovered,))
        jobs = c.workdir("rj-b7-") / "jobs.yaml"
        jobs.write_text(jobs_yaml(scenario != "no lanes", len(discovered)))
        env = c.riotjobs_env(db_url=url, sb=sb, jobs_yaml=jobs)
        sb.reset_stats()
        analyzer = None
        if scenario != "idle":
            analyzer = subprocess.Popen(
                [c.RIOTJOBS, "run", "player_analyzer"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(head_start)
        try:
            before = c.served_by_routing(sb.stats()).get("americas", 0)
            wall = c.timed(["run", "tracked_player_updater"], env)
        finally:
            if analyzer is not None:
                analyzer.terminate()  # the runner records the stop and exits
                try:
                    analyzer.wait(60)
                except subprocess.TimeoutExpired:
                    analyzer.kill()
                    analyzer.wait()
        stats = sb.stats()
        run = c.last_execution(url, "tracked_player_updater")
    limited = c.limited_429s(stats)
    return {
        "updater_wall_s": round(wall, 3),
        "updater_status": run.get("status"),
        "updater_requests": run.get("api_requests_made"),
        "analyzer_americas_before_updater": before,
        "requests": stats["requests"]["total"],
        "app_429": limited["application"],
        "method_429": limited["method"],
        "service_429": limited["service"],
    }


def median_run(done: list[dict[str, Any]]) -> dict[str, Any]:
    """The median run by the updater's wall time (the lower middle one of an even count), with
    every run's wall time."""
    ranked = sorted(done, key=lambda r: r["updater_wall_s"])
    return {**ranked[(len(ranked) - 1) // 2], "walls_s": [r["updater_wall_s"] for r in done]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--discovered", type=int, default=60, help="the analyzer's backlog")
    parser.add_argument("--head-start", type=float, default=10.0, help="analyzer alone, s")
    parser.add_argument("--no-compare", action="store_true", help="skip the no-lanes run")
    parser.add_argument("--repeat", type=int, default=2, help="idle and lanes runs, alternating")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    players = c.pick_players(TRACKED, matches=MATCHES, spare=args.discovered)
    puuids = [p["puuid"] for p in players]
    tracked, discovered = puuids[:TRACKED], puuids[TRACKED:]
    # Start-up is most of the idle figure and moves with the machine's load: idle and lanes runs
    # take turns and each figure is the median run (by the updater's wall time).
    tries: dict[str, list[dict[str, Any]]] = {"idle": [], "lanes": []}
    for _ in range(max(1, args.repeat)):
        for scenario, done in tries.items():
            done.append(measure(scenario, tracked, discovered, args.head_start))
    runs = {name: median_run(done) for name, done in tries.items()}
    if not args.no_compare:
        runs["no lanes"] = measure("no lanes", tracked, discovered, args.head_start)
    idle = runs["idle"]["updater_wall_s"]
    for doc in runs.values():
        doc["ratio_to_idle"] = round(doc["updater_wall_s"] / idle, 2) if idle else None
    lanes = runs["lanes"]
    doc = {
        "benchmark": "b7_priorities",
        "workload": {
            "limits": LIMITS,
            "latency_ms": LATENCY_MS,
            "tracked": TRACKED,
            "matches_per_tracked": MATCHES,
            "discovered": args.discovered,
            "head_start_s": args.head_start,
            "repeat": max(1, args.repeat),
        },
        "runs": runs,
        "ratio": lanes["ratio_to_idle"],
        "ratio_no_lanes": runs.get("no lanes", {}).get("ratio_to_idle"),
        "app_429": sum(r["app_429"] for r in runs.values()),
        "method_429": sum(r["method_429"] for r in runs.values()),
        "service_429": sum(r["service_429"] for r in runs.values()),
        "targets": {"ratio": 1.5, "app_method_429": 0},
    }
    rows: list[tuple[str, Any]] = []
    for name, r in runs.items():
        rows += [
            (f"{name}: updater wall s (x idle)", f"{r['updater_wall_s']} ({r['ratio_to_idle']}x)"),
            (
                f"{name}: updater status, requests",
                f"{r['updater_status']}, {r['updater_requests']}",
            ),
            (
                f"{name}: 429s app / method / service",
                f"{r['app_429']} / {r['method_429']} / {r['service_429']}",
            ),
        ]
        if name != "idle":
            rows.append(
                (f"{name}: analyzer americas requests first", r["analyzer_americas_before_updater"])
            )
    c.emit(doc, as_json=args.json, title=f"B7 priorities ({LIMITS})", rows=rows)


if __name__ == "__main__":
    main()
