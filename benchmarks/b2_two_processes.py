"""B2: two processes, one key. `tracked_player_updater` and `player_analyzer` start at once.

Workload: a sandbox (80 ms latency, application limit ``20:1,100:30`` per routing value), 6
tracked players with 60 unseen matches each and ``--discovered`` discovered players waiting for
their first 20 ranked matches: far more work than the limits allow in the runs' ``--timeout``,
so both processes want the key the whole time and only the shared limiter keeps them apart.

Figures: requests served (not 429) per routing value, the requests the limits allow in the
measured span (sandbox's first to last request; fixed windows from the first request, every
window that starts in the span counted in full), utilization = served / allowed on the busiest
routing value (``americas``: match ids and matches; ``na1`` carries one league call per
player and is demand-bound), and 429s by type. Peers: two riotwatcher processes doing the same
two workloads (``peer_riotwatcher.py``), and two pulsefire processes (``peer_pulsefire.py``,
everything at once), each process with its own limiter; same span rule.

``--short``: about 250 requests that the limits never squeeze (``50:1,1000:60``, 6 tracked
players x 20 matches, 6 discovered players x 20), where the first window and the start-up weigh
most. Its headline is B1's: utilization against the bound with the ids -> matches round trip
(``(ceil(n/50) - 1) s + 2 x RTT``) for the requests served on the busiest routing value.
Answered requests per second count every answered (not 429) request over the span plus one RTT.

    .venv/bin/python benchmarks/b2_two_processes.py
    .venv/bin/python benchmarks/b2_two_processes.py --short --repeat 2
    .venv/bin/python benchmarks/b2_two_processes.py --timeout 12 --json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _common as c
from b1_throughput import cell, summary

LIMITS = "20:1,100:30"
LATENCY_MS = 80.0
TRACKED, MATCHES = 6, 60
CLIENTS = ("riotjobs", "riotwatcher", "pulsefire")


@dataclass(frozen=True)
class Workload:
    limits: str
    timeout: int
    matches: int  # per tracked player
    discovered: int
    target: int  # matches per discovered player


# About 250 requests that the limits do not squeeze: B1's limits, 6 tracked players x 20
# matches and 6 discovered players x 20 matches.
SHORT = Workload("50:1,1000:60", 60, 20, 6, 20)
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
    config: {{players_per_run: {discovered}, target_matches: {target}}}
"""
DISCOVER = """
INSERT INTO players (puuid, platform, is_tracked, is_active, is_analyzed, is_banned,
                     created_at, updated_at)
SELECT unnest(%s::text[]), 'na1', false, true, false, false, now(), now()
"""


def utilization(stats: dict[str, Any], limits_spec: str) -> dict[str, Any]:
    limits = c.parse_limits(limits_spec)
    rtt = LATENCY_MS / 1000
    span = float(stats["span_seconds"])
    allowed = c.allowed_in_span(span, limits)
    served = c.served_by_routing(stats)
    busiest = max(served, key=lambda r: served[r]) if served else None
    limited = c.limited_429s(stats)
    answered = int(stats["requests"]["total"]) - int(stats["rate_limited"]["total"])
    bound = c.bound_with_ids_seconds(served[busiest], limits, rtt) if busiest else 0.0
    return {
        "requests": stats["requests"]["total"],
        "answered": answered,
        "answered_per_s": round(answered / (span + rtt), 2),
        "served_by_routing": served,
        "span_s": round(span, 3),
        "allowed_in_span": allowed,
        "busiest_routing": busiest,
        "utilization": round(served[busiest] / allowed, 3) if busiest else None,
        "bound_ids_s": round(bound, 3),
        "utilization_ids": round(bound / (span + rtt), 3) if busiest else None,
        "app_429": limited["application"],
        "method_429": limited["method"],
        "service_429": limited["service"],
        "max_peak_ratio": stats["max_peak_ratio"],
        "rate_limited_by_scope": stats["rate_limited"]["by_scope"],
        "app_windows": [w for w in stats["windows"] if w["scope"] == "application"],
    }


def ours(w: Workload, tracked: list[str], discovered: list[str]) -> dict[str, Any]:
    with (
        c.scratch_database("rj_b2") as url,
        c.sandbox(latency_ms=LATENCY_MS, app_limit=w.limits) as sb,
    ):
        c.track(url, tracked)
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute(DISCOVER, (discovered,))
        jobs = c.workdir("rj-b2-") / "jobs.yaml"
        jobs.write_text(
            JOBS.format(
                timeout=w.timeout,
                tracked=len(tracked),
                matches=w.matches,
                discovered=len(discovered),
                target=w.target,
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
        codes = {job: p.wait(w.timeout + 60) for job, p in procs.items()}
        wall = time.perf_counter() - started
        stats = sb.stats()
        runs = {job: c.last_execution(url, job) for job in procs}
    doc = utilization(stats, w.limits)
    doc |= {
        "wall_s": round(wall, 3),
        "exit_codes": codes,
        "statuses": {job: r.get("status") for job, r in runs.items()},
        "api_requests": {job: r.get("api_requests_made") for job, r in runs.items()},
    }
    return doc


def peer(
    python: str, script: str, w: Workload, tracked: list[str], discovered: list[str]
) -> dict[str, Any]:
    """Two peer processes, the updater's and the analyzer's work, each with its own limiter."""
    path = str(Path(__file__).with_name(script))
    with c.sandbox(latency_ms=LATENCY_MS, app_limit=w.limits) as sb:
        base = [python, path, "--template", sb.template, "--key", sb.api_key]
        base += ["--deadline", str(w.timeout)]
        work = {
            "updater": ["--puuids=" + ",".join(tracked), "--matches", str(w.matches)],
            "analyzer": ["--puuids=" + ",".join(discovered), "--matches", str(w.target)],
        }
        procs = {
            name: subprocess.Popen([*base, *args], stdout=subprocess.PIPE, text=True)
            for name, args in work.items()
        }
        results = {
            name: json.loads(p.communicate(timeout=w.timeout + 120)[0]) for name, p in procs.items()
        }
        stats = sb.stats()
    doc = utilization(stats, w.limits)
    doc |= {"processes": results, "stores": "nothing"}
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=int, default=60, help="each run's timeout, seconds")
    parser.add_argument("--discovered", type=int, default=40)
    parser.add_argument("--short", action="store_true", help="the short run (see above)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per client, taking turns")
    parser.add_argument("--no-peer", action="store_true", help="riotjobs only")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    w = SHORT if args.short else Workload(LIMITS, args.timeout, MATCHES, args.discovered, 20)

    players = c.pick_players(TRACKED, matches=w.matches, spare=w.discovered)
    puuids = [p["puuid"] for p in players]
    tracked, discovered = puuids[:TRACKED], puuids[TRACKED:]
    skipped: dict[str, str] = {}
    pf_python, why = c.pulsefire_python() if not args.no_peer else (None, "skipped (--no-peer)")
    if args.no_peer:
        skipped["riotwatcher"] = "skipped (--no-peer)"
    if pf_python is None:
        skipped["pulsefire"] = why
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CLIENTS}
    for _ in range(max(1, args.repeat)):
        runs["riotjobs"].append(ours(w, tracked, discovered))
        if not args.no_peer:
            runs["riotwatcher"].append(
                peer(sys.executable, "peer_riotwatcher.py", w, tracked, discovered)
            )
        if pf_python is not None:
            runs["pulsefire"].append(peer(pf_python, "peer_pulsefire.py", w, tracked, discovered))
    headline = "utilization_ids" if args.short else "utilization"
    results = {name: summary(r, headline) for name, r in runs.items() if r}
    doc = {
        "benchmark": "b2_two_processes",
        "workload": {
            "limits": w.limits,
            "latency_ms": LATENCY_MS,
            "timeout_s": w.timeout,
            "tracked": TRACKED,
            "matches_per_tracked": w.matches,
            "discovered": w.discovered,
            "short": args.short,
            "repeat": max(1, args.repeat),
            "headline": headline,
        },
        **{name: results.get(name) for name in CLIENTS},
        "skipped": skipped,
        "targets": {"utilization": 0.9, "app_method_429": 0},
    }
    rows: list[tuple[str, Any]] = []
    for name in CLIENTS:
        r = results.get(name)
        if r is None:
            rows.append((name, skipped.get(name, "skipped")))
            continue
        rows += [
            (f"{name}: requests (answered)", f"{r['requests']} ({r['answered']})"),
            (f"{name}: answered req/s", cell(r, "answered_per_s")),
            (
                f"{name}: 429s app / method / service",
                f"{r['app_429']} / {r['method_429']} / {r['service_429']}",
            ),
            (
                f"{name}: served on {r['busiest_routing']} / allowed in span",
                f"{r['served_by_routing'].get(r['busiest_routing'])} / {r['allowed_in_span']}"
                f" ({r['span_s']} s)",
            ),
            (f"{name}: utilization (served / allowed)", cell(r, "utilization")),
            (f"{name}: utilization (ids bound {r['bound_ids_s']} s)", cell(r, "utilization_ids")),
        ]
        if name == "riotjobs":
            rows.append(("riotjobs: run statuses", r["statuses"]))
    title = f"B2 two processes, one key ({w.limits}{', short' if args.short else ''})"
    c.emit(doc, as_json=args.json, title=title, rows=rows)


if __name__ == "__main__":
    main()
