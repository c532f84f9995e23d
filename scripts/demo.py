"""`make demo`: the whole pipeline against the local sandbox, on the embedded database.

1. starts `riotjobs sandbox serve` in the background (no Riot key needed);
2. tracks three sandbox players by Riot ID;
3. runs `tracked_player_updater` and `player_analyzer` a few times while the sandbox clock moves;
4. prints `riotjobs status` and the players flagged as smurfs;
5. stops the sandbox and the embedded database it started.

The embedded database lives in `.demo/` so the demo never touches your own data directory.
The sandbox uses production-key-sized limits so the demo has enough data to analyse in a few
minutes; a development key (100 requests / 2 min) would need an hour.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from riotjobs.db import embedded
from riotjobs.sandbox import DEFAULT_API_KEY

ROOT = Path(__file__).resolve().parent.parent
RIOTJOBS = str(Path(sys.executable).with_name("riotjobs"))
SANDBOX_ARGS = [
    "--port", "0", "--seed", "7", "--players", "600", "--latency-ms", "5",
    "--app-limit", "500:10,30000:600",
]  # fmt: skip
ROUNDS = 4


def say(text: str) -> None:
    print(f"\n\033[1m==> {text}\033[0m" if sys.stdout.isatty() else f"\n==> {text}", flush=True)


def main() -> int:
    demo_dir = ROOT / ".demo"
    pgdata = demo_dir / "data" / "riotjobs" / "pgdata"
    if demo_dir.exists():
        embedded.stop(
            pgdata, mode="immediate"
        )  # left by an interrupted demo: never delete under it
        shutil.rmtree(demo_dir)
    demo_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIOTJOBS_", "RIOT_API"))}
    env.update(
        XDG_DATA_HOME=str(demo_dir / "data"),
        RIOTJOBS_ENV_FILE=str(demo_dir / "env"),
        RIOTJOBS_CONFIG=str(ROOT / "jobs.yaml"),
    )

    say("Starting the Riot API sandbox")
    sandbox = subprocess.Popen(
        [RIOTJOBS, "sandbox", "serve", *SANDBOX_ARGS],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert sandbox.stdout is not None
        first = sandbox.stdout.readline().strip()
        template = first.partition("=")[2] or first
        print(first)
        root = template.split("/{routing}")[0]
        env["RIOTJOBS_RIOT_BASE_URL"] = template
        env["RIOT_API_KEY"] = DEFAULT_API_KEY
        return _run_pipeline(env, root)
    finally:
        say("Stopping the sandbox")
        sandbox.send_signal(signal.SIGINT)
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
        say("Stopping the embedded database")
        # As root the server runs as the wheel's own user and pg_ctl refuses root: stop() knows.
        if not embedded.stop(pgdata) and (pgdata / "postmaster.pid").exists():
            print(f"demo: could not stop the embedded database in {pgdata}", file=sys.stderr)


def riotjobs(env: dict[str, str], *args: str, check: bool = True) -> int:
    print(f"$ riotjobs {' '.join(args)}", flush=True)
    code = subprocess.run([RIOTJOBS, *args], env=env, check=False).returncode
    if check and code not in (0, 3):
        raise SystemExit(f"demo: `riotjobs {' '.join(args)}` exited {code}")
    return code


def _run_pipeline(env: dict[str, str], root: str) -> int:
    say("Creating the embedded database")
    riotjobs(env, "db", "upgrade")

    say("Tracking three sandbox players")
    players = httpx.get(f"{root}/sandbox/players", params={"limit": 3}).json()["players"]
    for player in players:
        riotjobs(env, "players", "track", player["riot_id"], "--platform", player["platform"])

    say("Letting the analyzer cover more players per run (database overrides, no crontab edit)")
    riotjobs(
        env,
        "jobs",
        "set",
        "player_analyzer",
        "players_per_run=40",
        "unanalyzed_players_per_run=100",
    )

    for round_no in range(1, ROUNDS + 1):
        say(f"Round {round_no} of {ROUNDS}: the pipeline jobs, as cron would start them")
        # -v on the first round shows what a run logs; cron runs print nothing on success.
        verbose = ["-v"] if round_no == 1 else []
        riotjobs(env, "run", "tracked_player_updater", *verbose)
        riotjobs(env, "run", "player_analyzer", *verbose)
        httpx.post(f"{root}/sandbox/advance", json={"seconds": 3600})

    say("riotjobs status")
    riotjobs(env, "status", check=False)
    say("Players flagged as smurfs")
    riotjobs(env, "report", "smurfs", check=False)
    say("Tracked players and what was stored for one of them")
    riotjobs(env, "players", "list", "--tracked", check=False)
    riotjobs(env, "players", "show", players[0]["riot_id"], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
