"""Sandbox throughput: requests per second a `riotjobs sandbox serve` process sustains.

Starts its own sandbox process (latency 0, no rate limits) on a free port, then hammers it
from client threads, each with its own keep-alive httpx client, for ``--seconds``. Two mixes:
``status`` (the cheapest endpoint) and ``pipeline`` (the pipeline's own mix: match-id lists,
match bodies, league entries, summoners). The target is at least 500 req/s.

    .venv/bin/python benchmarks/sandbox_throughput.py               # 10 s per mix
    .venv/bin/python benchmarks/sandbox_throughput.py --seconds 1 --json
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

RIOTJOBS = str(Path(sys.executable).with_name("riotjobs"))
TARGET_RPS = 500.0
KEY = "RGAPI-sandbox"


def start_sandbox(players: int) -> tuple[subprocess.Popen[str], str]:
    no_limits = ["--app-limit", "none"]
    no_limits += [f"--method-limit={name}=none" for name in ("account", "summoner", "league")]
    no_limits += [f"--method-limit={name}=none" for name in ("ids", "match", "status")]
    proc = subprocess.Popen(
        [RIOTJOBS, "sandbox", "serve", "--port", "0", "--players", str(players), *no_limits],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("RIOTJOBS_RIOT_BASE_URL="):
        proc.kill()
        raise SystemExit(f"sandbox did not start: {line!r}")
    return proc, line.split("=", 1)[1].replace("/{routing}", "")


def paths_for(root: str, mix: str) -> list[str]:
    if mix == "status":
        return ["/na1/lol/status/v4/platform-data"]
    players = httpx.get(f"{root}/sandbox/players?limit=20", timeout=60).json()["players"]
    headers = {"X-Riot-Token": KEY}
    paths: list[str] = []
    for p in players:
        ids = httpx.get(
            f"{root}/americas/lol/match/v5/matches/by-puuid/{p['puuid']}/ids?count=20",
            headers=headers,
        ).json()
        paths += [f"/americas/lol/match/v5/matches/{m}" for m in ids]
        paths += [f"/americas/lol/match/v5/matches/by-puuid/{p['puuid']}/ids?queue=420&count=100"]
        paths += [f"/na1/lol/league/v4/entries/by-puuid/{p['puuid']}"]
        paths += [f"/na1/lol/summoner/v4/summoners/by-puuid/{p['puuid']}"]
    return paths


def hammer(root: str, paths: list[str], threads: int, seconds: float) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        rng = random.Random(n)
        with httpx.Client(base_url=root, headers={"X-Riot-Token": KEY}, timeout=30) as client:
            while time.monotonic() < stop:
                began = time.perf_counter()
                response = client.get(rng.choice(paths))
                latencies[n].append(time.perf_counter() - began)
                if response.status_code != 200:
                    errors[n] += 1

    began = time.monotonic()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - began
    flat = sorted(x for lat in latencies for x in lat)
    return {
        "requests": len(flat),
        "errors": sum(errors),
        "seconds": round(elapsed, 2),
        "rps": round(len(flat) / elapsed, 1),
        "p50_ms": round(statistics.median(flat) * 1000, 2) if flat else None,
        "p99_ms": round(flat[int(len(flat) * 0.99)] * 1000, 2) if flat else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each mix")
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument("--players", type=int, default=1000, help="league size")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    proc, root = start_sandbox(args.players)
    try:
        results = {}
        for mix in ("status", "pipeline"):
            results[mix] = hammer(root, paths_for(root, mix), args.threads, args.seconds)
        server = httpx.get(f"{root}/sandbox/stats", timeout=30).json()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    ok = all(r["rps"] >= TARGET_RPS and r["errors"] == 0 for r in results.values())
    doc = {"target_rps": TARGET_RPS, "ok": ok, "mixes": results, "server_requests": server}
    if args.json:
        print(json.dumps({**doc, "server_requests": server["requests"]["total"]}, indent=2))
    else:
        print(f"{'mix':<10} {'requests':>9} {'errors':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
        for mix, r in results.items():
            print(
                f"{mix:<10} {r['requests']:>9} {r['errors']:>7} {r['rps']:>9} "
                f"{r['p50_ms']:>8} {r['p99_ms']:>8}"
            )
        print(f"target >= {TARGET_RPS:.0f} req/s: {'met' if ok else 'NOT met'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
