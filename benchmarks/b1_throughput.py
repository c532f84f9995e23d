"""B1: single-process throughput of `riotjobs run tracked_player_updater` against a rate limit,
side by side with riotwatcher and pulsefire on the same workload.

Workload: a sandbox (80 ms latency, application limit ``50:1,1000:60`` per routing value, and
the method limits Riot announces, e.g. ``2000:10`` for match-v5), ``--players`` tracked players
with ``--matches`` unseen ranked matches each, one run of ``tracked_player_updater`` with
``max_new_matches_per_player`` = ``--matches``. Each player costs 1 match-ids request + N match
requests (americas) + 1 league request (na1). ``--short`` is the short run: 6 x 40 (about 250
requests, 5 windows), where the first window and the start-up weigh most.

Clients, each on a fresh sandbox, taking turns ``--repeat`` times (the machine's load moves,
so each client's runs spread over the same time span):
- riotjobs: the real CLI process, storing every match in a scratch database.
- riotwatcher (``peer_riotwatcher.py``): sequential, its per-process limiter on, stores nothing.
- pulsefire (``peer_pulsefire.py``): async, everything requested at once, its default limiter
  on, stores nothing; in its own Python >= 3.12 virtualenv under ``.bench/`` (skipped if none).

Figures per client (median over the runs, and the range): requests; answered requests (not
429) per second of the request phase (the sandbox's first-to-last request span plus one round
trip); 429s by type; utilization = bound / request phase, for two bounds on the answered
requests of the busiest routing value under fixed windows that start at the first request:
``floor((n-1)/count) * window + RTT`` (raw) and ``(ceil(n/count) - 1) * window + 2 * RTT``
(with the round trip the match ids need before their matches). "wall" is the whole process,
start-up and database work included.

    .venv/bin/python benchmarks/b1_throughput.py
    .venv/bin/python benchmarks/b1_throughput.py --short --repeat 3
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
SHORT = (6, 40)  # players, matches: 252 requests
CLIENTS = ("riotjobs", "riotwatcher", "pulsefire")
FIGURES = ("req_per_s", "answered_per_s", "utilization", "utilization_ids", "wall_s")


def phase(stats: dict[str, Any], wall: float, limits: c.Limits) -> dict[str, Any]:
    """The request-phase figures of one run from the sandbox's stats."""
    rtt = LATENCY_MS / 1000
    total = int(stats["requests"]["total"])
    served = c.served_by_routing(stats)
    busiest = max(served.values(), default=0)
    bound = c.bound_seconds(busiest, limits, rtt)
    bound_ids = c.bound_with_ids_seconds(busiest, limits, rtt)
    actual = float(stats["span_seconds"]) + rtt
    limited = c.limited_429s(stats)
    answered = total - int(stats["rate_limited"]["total"])
    return {
        "requests": total,
        "answered": answered,
        "requests_by_routing": stats["requests"]["by_routing"],
        "wall_s": round(wall, 3),
        "request_phase_s": round(actual, 3),
        "req_per_s": round(total / actual, 2) if actual else None,
        "answered_per_s": round(answered / actual, 2) if actual else None,
        "req_per_s_wall": round(answered / wall, 2) if wall else None,
        "bound_s": round(bound, 3),
        "bound_ids_s": round(bound_ids, 3),
        "utilization": round(bound / actual, 3) if actual else None,
        "utilization_ids": round(bound_ids / actual, 3) if actual else None,
        "utilization_wall": round(bound / wall, 3) if wall else None,
        "app_429": limited["application"],
        "method_429": limited["method"],
        "service_429": limited["service"],
        "max_peak_ratio": stats["max_peak_ratio"],
    }


def ours(puuids: list[str], matches: int) -> dict[str, Any]:
    limits = c.parse_limits(LIMITS)
    with (
        c.scratch_database("rj_b1") as url,
        c.sandbox(latency_ms=LATENCY_MS, app_limit=LIMITS) as sb,
    ):
        c.track(url, puuids)
        jobs = c.workdir("rj-b1-") / "jobs.yaml"
        jobs.write_text(c.UPDATER_JOBS.format(players=len(puuids), matches=matches))
        env = c.riotjobs_env(db_url=url, sb=sb, jobs_yaml=jobs)
        sb.reset_stats()
        wall = c.timed(["run", "tracked_player_updater"], env)
        stats = sb.stats()
        run = c.last_execution(url, "tracked_player_updater")
        stored = c.scalar(url, "SELECT count(*) FROM matches")
    doc = phase(stats, wall, limits)
    doc |= {"status": run.get("status"), "matches_stored": stored}
    return doc


def peer(python: str, script: str, puuids: list[str], matches: int) -> dict[str, Any]:
    limits = c.parse_limits(LIMITS)
    with c.sandbox(latency_ms=LATENCY_MS, app_limit=LIMITS) as sb:
        args = [python, str(Path(__file__).with_name(script)), "--template", sb.template]
        args += ["--key", sb.api_key, "--puuids=" + ",".join(puuids), "--matches", str(matches)]
        done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=900)
        result = json.loads(done.stdout)
        stats = sb.stats()
    doc = phase(stats, float(result["wall_s"]), limits)
    doc |= {"matches_fetched": result["matches"], "errors": result.get("errors", 0)}
    return doc


def summary(runs: list[dict[str, Any]], by: str = "answered_per_s") -> dict[str, Any]:
    """The median run's figures (by ``by``), with every figure's spread over the runs."""
    ordered = sorted(runs, key=lambda r: r.get(by) or 0)
    doc = dict(ordered[(len(ordered) - 1) // 2])
    doc["runs"] = len(runs)
    doc["spread"] = {key: c.spread(runs, key) for key in FIGURES}
    keys = (*FIGURES, "app_429", "method_429")
    doc["per_run"] = [{key: r.get(key) for key in keys if key in r} for r in runs]
    return doc


def measure(
    players: int, matches: int, repeat: int, peers: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every client's figures, taking turns; and why a client was skipped."""
    puuids = [p["puuid"] for p in c.pick_players(players, matches=matches)]
    skipped: dict[str, str] = {}
    pf_python, why = c.pulsefire_python() if peers else (None, "skipped (--no-peer)")
    if not peers:
        skipped["riotwatcher"] = "skipped (--no-peer)"
    if pf_python is None:
        skipped["pulsefire"] = why
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CLIENTS}
    for _ in range(repeat):
        runs["riotjobs"].append(ours(puuids, matches))
        if peers:
            runs["riotwatcher"].append(peer(sys.executable, "peer_riotwatcher.py", puuids, matches))
        if pf_python is not None:
            runs["pulsefire"].append(peer(pf_python, "peer_pulsefire.py", puuids, matches))
    return {name: summary(r) for name, r in runs.items() if r}, skipped


def cell(doc: dict[str, Any] | None, key: str) -> str:
    """A figure and, over several runs, its range."""
    if doc is None:
        return "-"
    value = c.fmt(doc[key])
    band = doc["spread"].get(key)
    if doc["runs"] > 1 and band and band["min"] is not None and band["min"] != band["max"]:
        value += f" ({c.fmt(band['min'])}-{c.fmt(band['max'])})"
    return value


def table(results: dict[str, dict[str, Any]], skipped: dict[str, str]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for name in CLIENTS:
        doc = results.get(name)
        if doc is None:
            rows.append((name, skipped.get(name, "skipped")))
            continue
        rows += [
            (f"{name}: requests (answered)", f"{doc['requests']} ({doc['answered']})"),
            (f"{name}: answered req/s", cell(doc, "answered_per_s")),
            (
                f"{name}: 429s app / method / service",
                f"{doc['app_429']} / {doc['method_429']} / {doc['service_429']}",
            ),
            (f"{name}: utilization (raw bound {doc['bound_s']} s)", cell(doc, "utilization")),
            (
                f"{name}: utilization (ids bound {doc['bound_ids_s']} s)",
                cell(doc, "utilization_ids"),
            ),
            (f"{name}: wall s", cell(doc, "wall_s")),
        ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=6)
    parser.add_argument("--matches", type=int, default=60, help="unseen matches per player")
    parser.add_argument("--short", action="store_true", help="the short run: 6 x 40")
    parser.add_argument("--repeat", type=int, default=1, help="runs per client, taking turns")
    parser.add_argument("--no-peer", action="store_true", help="riotjobs only")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    players, matches = SHORT if args.short else (args.players, args.matches)

    results, skipped = measure(players, matches, max(1, args.repeat), not args.no_peer)
    mine = results["riotjobs"]
    ratios = {
        name: round(mine["answered_per_s"] / results[name]["answered_per_s"], 2)
        for name in CLIENTS[1:]
        if name in results and results[name]["answered_per_s"]
    }
    doc = {
        "benchmark": "b1_throughput",
        "workload": {
            "players": players,
            "matches_per_player": matches,
            "short": args.short,
            "limits": LIMITS,
            "method_limits": "sandbox defaults (match-v5 2000:10)",
            "latency_ms": LATENCY_MS,
            "repeat": max(1, args.repeat),
        },
        **{name: results.get(name) for name in CLIENTS},
        "skipped": skipped,
        "ratio_ours_to_peer": ratios.get("riotwatcher"),
        "ratios_answered_per_s": ratios,
        "targets": {"utilization": 0.9, "app_method_429": 0, "ratio": 3.0},
    }
    title = f"B1 single-process throughput ({players} players x {matches} matches, {LIMITS})"
    c.emit(doc, as_json=args.json, title=title, rows=table(results, skipped))


if __name__ == "__main__":
    main()
