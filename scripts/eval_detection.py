"""`make eval`: measure smurf detection on a sandbox league against its ground truth.

Everything goes through the real product, as real `riotjobs` processes: a sandbox league is
served in this process, a scratch database is created (``RIOTJOBS_EVAL_DATABASE_URL``, else
the local server on 127.0.0.1:5432, else an embedded cluster), a few sandbox players are
tracked, and the pipeline's jobs run until every discovered player has its ranked history:
``tracked_player_updater`` discovers the players, ``fetch_discovered_matches`` builds their
history (twice, a few sandbox days apart, so rank snapshots move), and ``analyze_players``
scores them. The flags in ``player_analysis`` are then compared with ``/sandbox/truth``:
precision, recall and F1 at the default threshold, plus a small threshold sweep.

    .venv/bin/python scripts/eval_detection.py [--players 1000] [--seed 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pgharness import find_server  # noqa: E402  (dev helper shared with the tests)

RIOTJOBS = str(Path(sys.executable).with_name("riotjobs"))
TRACKED = 10
ADVANCE_S = 4 * 86400  # sandbox days between the two history passes
JOBS_YAML = """\
defaults: {timeout: 900}
jobs:
  eval_track:
    schedule: "0 * * * *"
    tasks: [update_tracked_players]
    config: {max_tracked_players: %(tracked)d, max_new_matches_per_player: 100}
  eval_history:
    schedule: "0 * * * *"
    tasks: [fetch_discovered_matches]
    config: {target_matches: %(target)d, players_per_run: 5000}
  eval_analyze:
    schedule: "0 * * * *"
    tasks: [analyze_players]
    config: {unanalyzed_players_per_run: 100000}
"""


def _metrics(rows: list[tuple[bool, float]], threshold: float) -> dict[str, float | int]:
    tp = sum(1 for smurf, c in rows if smurf and c >= threshold)
    fp = sum(1 for smurf, c in rows if not smurf and c >= threshold)
    fn = sum(1 for smurf, c in rows if smurf and c < threshold)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
    }


def _riotjobs(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([RIOTJOBS, *args], env=env, capture_output=True, text=True)
    if result.returncode not in (0, 3):
        raise SystemExit(f"eval: riotjobs {' '.join(args)} exited {result.returncode}:\n"
                         f"{result.stderr}")  # fmt: skip


def evaluate(players: int, seed: int, target: int) -> dict[str, Any]:
    import httpx

    from riotjobs.sandbox import ENDPOINTS, SandboxConfig, serve_in_thread

    server = find_server("RIOTJOBS_EVAL_DATABASE_URL")
    name = f"rj_eval_{os.getpid()}"
    config = SandboxConfig(
        seed=seed, players=players, app_limit="none", method_limits=dict.fromkeys(ENDPOINTS, "none")
    )
    started = time.perf_counter()
    with serve_in_thread(config) as sb, tempfile.TemporaryDirectory() as tmp:
        jobs = Path(tmp) / "jobs.yaml"
        jobs.write_text(JOBS_YAML % {"tracked": TRACKED, "target": target})
        url = server.create(name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RIOTJOBS_", "RIOT_"))}
        env.update(
            RIOTJOBS_DATABASE_URL=url,
            RIOTJOBS_CONFIG=str(jobs),
            RIOTJOBS_ENV_FILE=str(Path(tmp) / "none"),
            RIOTJOBS_RIOT_BASE_URL=sb.base_url_template,
            RIOTJOBS_RIOT_APP_LIMITS="100000:1",  # the sandbox runs without limits here
            RIOT_API_KEY=sb.api_key,
        )
        try:
            _riotjobs(env, "db", "upgrade")
            sample = httpx.get(f"{sb.root_url}/sandbox/players", params={"limit": TRACKED}).json()
            for player in sample["players"]:
                _riotjobs(
                    env, "players", "track", player["riot_id"], "--platform", player["platform"]
                )
            _riotjobs(env, "run", "eval_track")
            _riotjobs(env, "run", "eval_history")
            sb.advance(ADVANCE_S)
            _riotjobs(env, "run", "eval_track")
            _riotjobs(env, "run", "eval_history")
            ingested = time.perf_counter() - started
            _riotjobs(env, "run", "eval_analyze")
            with psycopg.connect(url) as conn:
                scored = conn.execute(
                    "SELECT DISTINCT ON (puuid) puuid, confidence FROM player_analysis"
                    " ORDER BY puuid, analyzed_at DESC"
                ).fetchall()
                matches = conn.execute("SELECT count(*) FROM matches").fetchone()
                known = conn.execute("SELECT count(*) FROM players").fetchone()
        finally:
            server.drop(name)
        truth = {p["puuid"]: p for p in sb.truth()["players"]}
    rows = [(bool(truth[p]["smurf"]), float(c)) for p, c in scored if p in truth]
    return {
        "players_in_league": len(truth),
        "smurfs_in_league": sum(1 for p in truth.values() if p["smurf"]),
        "players_discovered": known[0] if known else 0,
        "matches_stored": matches[0] if matches else 0,
        "analysed": len(rows),
        "smurfs_analysed": sum(1 for s, _ in rows if s),
        "seconds": round(time.perf_counter() - started, 1),
        "ingest_seconds": round(ingested, 1),
        "default": _metrics(rows, 0.5),
        "sweep": [_metrics(rows, t) for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--players", type=int, default=1000, help="players in the sandbox league")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target", type=int, default=30, help="ranked matches per player")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    doc = evaluate(args.players, args.seed, args.target)
    if args.json:
        print(json.dumps(doc, indent=2))
        return
    print(
        f"league: {doc['players_in_league']} players, {doc['smurfs_in_league']} smurfs; "
        f"pipeline discovered {doc['players_discovered']} and stored {doc['matches_stored']} "
        f"matches in {doc['ingest_seconds']} s"
    )
    print(
        f"analysed {doc['analysed']} players ({doc['smurfs_analysed']} smurfs), {doc['seconds']} s"
    )
    d = doc["default"]
    print(
        f"default threshold 0.5: precision {d['precision']:.3f}  recall {d['recall']:.3f}  "
        f"F1 {d['f1']:.3f}  (tp {d['tp']}, fp {d['fp']}, fn {d['fn']})"
    )
    print("threshold  precision  recall  f1     tp   fp   fn")
    for m in doc["sweep"]:
        print(
            f"{m['threshold']:<9}  {m['precision']:<9.3f}  {m['recall']:<6.3f}  {m['f1']:<5.3f}"
            f"  {m['tp']:<4} {m['fp']:<4} {m['fn']}"
        )


if __name__ == "__main__":
    main()
