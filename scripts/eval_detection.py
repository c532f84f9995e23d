"""`make eval`: measure smurf detection on a sandbox league against its ground truth.

Everything goes through the real product, as real `riotjobs` processes: a sandbox league is
served in this process, a scratch database is created (``RIOTJOBS_EVAL_DATABASE_URL``, else
the local server on 127.0.0.1:5432, else an embedded cluster), a few sandbox players are
tracked, and the pipeline's jobs run until every discovered player has its ranked history:
``tracked_player_updater`` discovers the players, ``fetch_discovered_matches`` builds their
history (twice, a few sandbox days apart, so rank snapshots move), and ``analyze_players``
scores them. The confidences in ``player_analysis`` are then compared with ``/sandbox/truth``
(``evalreport`` prints the tables: per kind, confusion matrix, threshold sweep, calibration).

The default league is the confounded one (bursty smurfs, hot-streaking veterans, honest new
accounts, boosted duo accounts); ``--league easy`` is the original league of dominant smurfs.
``--dump FILE`` also saves the analysed players' features and labels (``{seed}`` in the name
is replaced by the seed), and ``--from-dump FILE...`` re-scores such files with the current
detector in seconds (no pipeline run); with ``--legacy`` it scores them with analysis 1.0
instead, to compare both on the same players. After the per-seed reports come one line per
seed and a reliability table pooled over all seeds (``evalreport.reliability``).

    .venv/bin/python scripts/eval_detection.py [--players 1000] [--seeds 7,8,9] [--json]
    .venv/bin/python scripts/eval_detection.py --league easy --plot pr.png
    .venv/bin/python scripts/eval_detection.py --from-dump s7.pkl s8.pkl --legacy
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from evalreport import (  # noqa: E402
    Row,
    reliability,
    render,
    render_reliability,
    render_seeds,
    summary,
)

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


def _riotjobs(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([RIOTJOBS, *args], env=env, capture_output=True, text=True)
    if result.returncode not in (0, 3):
        raise SystemExit(f"eval: riotjobs {' '.join(args)} exited {result.returncode}:\n"
                         f"{result.stderr}")  # fmt: skip


def _dump_features(url: str, puuids: list[str], path: Path, truth: dict[str, Any]) -> None:
    from riotjobs.analysis import load_features
    from riotjobs.db.engine import create_engine, to_sqlalchemy

    engine = create_engine(to_sqlalchemy(url), application_name="riotjobs eval dump")
    try:
        from sqlmodel import Session

        with Session(engine) as session:
            features = load_features(session=session, puuids=puuids, max_matches=100)
    finally:
        engine.dispose()
    labels = {p: truth[p] for p in features if p in truth}
    path.write_bytes(pickle.dumps({"features": features, "truth": labels}))


def evaluate(
    players: int, seed: int, target: int, league: str, dump: Path | None
) -> tuple[dict[str, Any], list[Row]]:
    import httpx

    from riotjobs.sandbox import ENDPOINTS, SandboxConfig, serve_in_thread
    from riotjobs.sandbox.config import EASY_MIX

    server = find_server("RIOTJOBS_EVAL_DATABASE_URL")
    name = f"rj_eval_{os.getpid()}"
    mix: dict[str, Any] = dict(EASY_MIX) if league == "easy" else {}
    config = SandboxConfig(
        seed=seed,
        players=players,
        app_limit="none",
        method_limits=dict.fromkeys(ENDPOINTS, "none"),
        **mix,
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
            truth = {p["puuid"]: p for p in sb.truth()["players"]}
            if dump is not None:
                path = Path(str(dump).replace("{seed}", str(seed)))
                _dump_features(url, [p for p, _ in scored], path, truth)
        finally:
            server.drop(name)
    rows = [
        Row(truth[p]["kind"], bool(truth[p]["smurf"]), float(c)) for p, c in scored if p in truth
    ]
    doc = {
        "seed": seed,
        "league": league,
        "players_in_league": len(truth),
        "smurfs_in_league": sum(1 for p in truth.values() if p["smurf"]),
        "players_discovered": known[0] if known else 0,
        "matches_stored": matches[0] if matches else 0,
        "seconds": round(time.perf_counter() - started, 1),
        "ingest_seconds": round(ingested, 1),
        **summary(rows),
    }
    return doc, rows


def rescore(path: Path, legacy: bool) -> tuple[dict[str, Any], list[Row]]:
    """Score a ``--dump`` file with the current detector (default weights and threshold), or
    with analysis 1.0 (``legacy``)."""
    from evallegacy import confidence_1_0

    from riotjobs.analysis import DEFAULT_WEIGHTS, analyze

    doc = pickle.loads(path.read_bytes())
    rows = []
    for puuid, features in doc["features"].items():
        label = doc["truth"][puuid]
        if legacy:
            conf = confidence_1_0(features)
        else:
            conf = analyze(features, weights=DEFAULT_WEIGHTS, threshold=0.5).confidence
        rows.append(Row(label["kind"], bool(label["smurf"]), conf))
    name = f"{path} (analysis 1.0)" if legacy else str(path)
    return {"dump": name, **summary(rows)}, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--players", type=int, default=1000, help="players in the sandbox league")
    parser.add_argument("--seeds", default="7", help="comma-separated league seeds, e.g. 7,8,9")
    parser.add_argument("--seed", type=int, help="one seed (same as --seeds N)")
    parser.add_argument("--league", choices=("confounded", "easy"), default="confounded")
    parser.add_argument("--target", type=int, default=30, help="ranked matches per player")
    parser.add_argument("--dump", type=Path, help="also save features and labels ({seed})")
    parser.add_argument("--from-dump", type=Path, nargs="+", help="re-score saved dumps")
    parser.add_argument("--legacy", action="store_true", help="re-score with analysis 1.0")
    parser.add_argument("--plot", type=Path, help="save the precision-recall curve as a PNG")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.from_dump:
        results = [rescore(path, args.legacy) for path in args.from_dump]
    else:
        seeds = [args.seed] if args.seed is not None else [int(s) for s in args.seeds.split(",")]
        results = [
            evaluate(args.players, seed, args.target, args.league, args.dump) for seed in seeds
        ]
    docs = [doc for doc, _ in results]
    pooled = reliability([row for _, rows in results for row in rows])
    if args.plot is not None:
        from evalplot import plot_pr

        plot_pr(docs, args.plot)
    if args.json:
        out: Any = docs if len(docs) > 1 else docs[0]
        print(json.dumps({"runs": docs, "pooled_reliability": pooled} if len(docs) > 1 else out,
                         indent=2))  # fmt: skip
        return
    for doc in docs:
        print(render(doc))
    print(render_seeds(docs))
    print(render_reliability(pooled, f"pooled over {len(docs)} run(s)"))


if __name__ == "__main__":
    main()
