"""B8: every region at once. Does one updater run use each regional budget in parallel?

Workload: a sandbox (80 ms latency, application limit ``50:1,1000:60`` per routing value, the
sandbox's default method limits) whose league plays on na1, euw1, kr and oc1, one platform of
each regional routing value (americas, europe, asia, sea). On each platform ``--players``
tracked players with ``--matches`` unseen ranked matches each, tracked region by region (or,
with ``--interleave``, alternating regions: the updater works through its players in the order
they were tracked); one run of ``tracked_player_updater``. Each player costs 1 match-ids
request + N match requests on its region and 1 league request on its platform.

Figures, from the sandbox's request log: per region, its answered requests, its request phase
(first to last request on that routing value, plus one round trip) and its utilization =
``bound_seconds(answered) / request phase`` (fixed windows starting at its first request; the
same raw bound as B1); the combined rate = every answered request / the whole request phase.
Targets (issue 17): each region >= 0.85 of its bound, combined >= 170 req/s.

    .venv/bin/python benchmarks/b8_regions.py
    .venv/bin/python benchmarks/b8_regions.py --interleave
    .venv/bin/python benchmarks/b8_regions.py --players 1 --matches 5 --json
"""

from __future__ import annotations

import argparse
from typing import Any

import _common as c
from _cpu import CpuMeter

LIMITS = "50:1,1000:60"
LATENCY_MS = 80.0
PLATFORMS = {"americas": "na1", "europe": "euw1", "asia": "kr", "sea": "oc1"}
TARGET_UTILIZATION, TARGET_RPS = 0.85, 170.0
JOBS = """\
jobs:
  tracked_player_updater:
    schedule: "*/2 * * * *"
    timeout: 300
    tasks: [update_tracked_players]
    config: {{max_tracked_players: {tracked}, max_new_matches_per_player: {matches}}}
"""


def per_region(arrivals: list[tuple[float, str, str, int]], limits: c.Limits) -> dict[str, Any]:
    """Each region's answered requests, request phase and utilization of its bound."""
    rtt = LATENCY_MS / 1000
    out: dict[str, Any] = {}
    for region in PLATFORMS:
        mine = [a for a in arrivals if a[1] == region]
        answered = sum(1 for a in mine if a[3] != 429)
        if not mine:
            out[region] = {"answered": 0, "phase_s": None, "utilization": None}
            continue
        first, last = mine[0][0], mine[-1][0]
        phase = last - first + rtt
        bound = c.bound_seconds(answered, limits, rtt)
        out[region] = {
            "answered": answered,
            "limited": len(mine) - answered,
            "first_s": round(first, 3),
            "last_s": round(last, 3),
            "phase_s": round(phase, 3),
            "bound_s": round(bound, 3),
            "utilization": round(bound / phase, 3),
            "answered_per_s": round(answered / phase, 2),
        }
    return out


def measure(players: int, matches: int, interleave: bool) -> dict[str, Any]:
    platforms = tuple(PLATFORMS.values())
    puuids: dict[str, list[str]] = {}
    for platform in platforms:
        chosen = c.pick_players(players, matches=matches, platform=platform, platforms=platforms)
        puuids[platform] = [p["puuid"] for p in chosen]
    limits = c.parse_limits(LIMITS)
    with (
        c.scratch_database("rj_b8") as url,
        c.sandbox(latency_ms=LATENCY_MS, app_limit=LIMITS, platforms=platforms) as sb,
    ):
        cap = players * len(platforms)
        if interleave:  # na1, euw1, kr, oc1, na1, ...: the updater's queue alternates regions
            for i in range(players):
                for platform, chosen in puuids.items():
                    c.track(url, [chosen[i]], platform=platform, limit=cap)
        else:  # region by region: the updater's queue holds americas' players first
            for platform, chosen in puuids.items():
                c.track(url, chosen, platform=platform, limit=cap)
        jobs = c.workdir("rj-b8-") / "jobs.yaml"
        jobs.write_text(JOBS.format(tracked=players * len(platforms), matches=matches))
        env = c.riotjobs_env(db_url=url, sb=sb, jobs_yaml=jobs)
        sb.reset_stats()
        meter = CpuMeter(sandbox_pid=sb.process.pid)
        wall = c.timed(["run", "tracked_player_updater"], env)
        meter.stop()
        stats = sb.stats()
        arrivals = sorted(sb.arrivals())
        run = c.last_execution(url, "tracked_player_updater")
        stored = c.scalar(url, "SELECT count(*) FROM matches")
    regions = per_region(arrivals, limits)
    total = len(arrivals)
    cpu = meter.figures(requests=total)
    answered = sum(1 for a in arrivals if a[3] != 429)
    phase = (arrivals[-1][0] - arrivals[0][0] + LATENCY_MS / 1000) if arrivals else 0.0
    limited = c.limited_429s(stats)
    utils = [r["utilization"] for r in regions.values()]
    combined = round(answered / phase, 2) if phase else 0.0
    return {
        "status": run.get("status"),
        "matches_stored": stored,
        "wall_s": round(wall, 3),
        "requests": total,
        "answered": answered,
        "request_phase_s": round(phase, 3),
        "combined_answered_per_s": combined,
        "regions": regions,
        "min_region_utilization": min((u for u in utils if u is not None), default=None),
        "app_429": limited["application"],
        "method_429": limited["method"],
        "service_429": limited["service"],
        "max_peak_ratio": stats["max_peak_ratio"],
        "cpu": cpu,
        "met": {
            "regions": all(u is not None and u >= TARGET_UTILIZATION for u in utils),
            "combined": combined >= TARGET_RPS,
        },
    }


def _cpu_row(cpu: dict[str, Any]) -> str:
    return f"{cpu['riotjobs_ms_per_request']}, {c.fmt(cpu['sandbox_ms_per_request'])}"


def _host_row(cpu: dict[str, Any]) -> str:
    return f"{c.fmt(cpu['host_busy_share'])}, {c.fmt(cpu['host_steal_share'])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=6, help="tracked players per region")
    parser.add_argument("--matches", type=int, default=40, help="unseen matches per player")
    parser.add_argument(
        "--interleave", action="store_true", help="track the players alternating regions"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    result = measure(args.players, args.matches, args.interleave)
    doc = {
        "benchmark": "b8_regions",
        "workload": {
            "platforms": PLATFORMS,
            "players_per_region": args.players,
            "matches_per_player": args.matches,
            "tracking_order": "interleaved" if args.interleave else "region by region",
            "limits_per_routing_value": LIMITS,
            "latency_ms": LATENCY_MS,
        },
        **result,
        "targets": {"region_utilization": TARGET_UTILIZATION, "combined_per_s": TARGET_RPS},
    }
    rows: list[tuple[str, Any]] = [
        ("run status, matches stored", f"{result['status']}, {result['matches_stored']}"),
        ("requests (answered)", f"{result['requests']} ({result['answered']})"),
    ]
    for region, r in result["regions"].items():
        rows.append(
            (
                f"{region}: answered, phase s [first-last], utilization",
                f"{r['answered']}, {r['phase_s']} [{r.get('first_s')}-{r.get('last_s')}],"
                f" {r['utilization']} (bound {r.get('bound_s')} s)",
            )
        )
    rows += [
        (
            f"each region >= {TARGET_UTILIZATION} of its bound: met",
            result["met"]["regions"],
        ),
        (
            f"combined answered req/s (target >= {TARGET_RPS:.0f}): met",
            f"{result['combined_answered_per_s']} over {result['request_phase_s']} s:"
            f" {c.fmt(result['met']['combined'])}",
        ),
        (
            "429s app / method / service",
            f"{result['app_429']} / {result['method_429']} / {result['service_429']}",
        ),
        ("wall s (whole process)", result["wall_s"]),
        ("CPU ms per request: riotjobs (start-up included), sandbox", _cpu_row(result["cpu"])),
        ("host busy share (of every core), steal share", _host_row(result["cpu"])),
    ]
    c.emit(doc, as_json=args.json, title=f"B8 every region at once ({LIMITS} each)", rows=rows)


if __name__ == "__main__":
    main()
