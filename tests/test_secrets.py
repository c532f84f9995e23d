"""RIOT_API_KEY never leaves the process: not in output, logs, the database or the crontab.

One marked key drives the whole pipeline against the sandbox (with faults injected), then the
failure paths (an expired key, a wrong key, a dead API) and every read and export command run.
Everything riotjobs printed, every row of every table (the stored logs included) and the
rendered crontab and Kubernetes manifests are searched for the key. The client's own unit
suite (tests/riot/test_key_hygiene.py) covers reprs, exceptions and DEBUG-level logging.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from riotjobs.sandbox import SandboxConfig, serve_in_thread
from tests.helpers import database_as_text, run_riotjobs

pytestmark = pytest.mark.slow

KEY = "RGAPI-leakcheck-7f3e9a2b-marker"
WRONG_KEY = "RGAPI-leakcheck-wrong-5c1d"
# Parts of the key a careless formatter might print on their own.
FRAGMENTS = ("leakcheck", "7f3e9a2b", "5c1d")

JOBS = """
defaults: {timeout: 60}
jobs:
  tracked_player_updater:
    schedule: "*/2 * * * *"
    tasks: [update_tracked_players]
  player_analyzer:
    schedule: "*/2 * * * *"
    tasks: [fetch_discovered_matches, analyze_players, check_bans]
    config: {players_per_run: 15, min_matches: 5}
"""


def test_the_key_never_appears_anywhere(
    cli_env: dict[str, str], tmp_path: Path, engine: Any
) -> None:
    env_file = tmp_path / "riotjobs.env"
    env_file.write_text(f"RIOT_API_KEY={KEY}\n")
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(JOBS)
    seen: list[str] = []

    def riotjobs(*args: str, env: dict[str, str], ok: tuple[int, ...] = (0, 3)) -> None:
        result = run_riotjobs(*args, env=env, timeout=120)
        seen.extend([result.stdout, result.stderr])
        assert result.returncode in ok, (args, result.returncode, result.stderr)

    config = SandboxConfig(
        seed=3, players=200, api_key=KEY, latency_ms=0, fault_rate=0.03, malformed_rate=0.02,
        service_429_rate=0.02, app_limit="100:1,3000:60",
    )  # fmt: skip
    with serve_in_thread(config) as sb:
        env = {
            **cli_env,
            "RIOTJOBS_ENV_FILE": str(env_file),  # the key comes from the env file, as in cron
            "RIOTJOBS_CONFIG": str(jobs),
            "RIOTJOBS_RIOT_BASE_URL": sb.base_url_template,
        }
        sample = httpx.get(f"{sb.root_url}/sandbox/players", params={"limit": 2}).json()
        for player in sample["players"]:
            riotjobs("players", "track", player["riot_id"], "--platform", "na1", env=env)
        for _ in range(2):
            riotjobs("run", "tracked_player_updater", "-v", env=env)
            riotjobs("run", "player_analyzer", "-v", env=env)
        for args in (
            ("status",),
            ("status", "--json"),
            ("jobs", "show", "player_analyzer"),
            ("history", "tracked_player_updater", "--json"),
            ("show", "1"),
            ("stats", "--json"),
            ("players", "list", "--json"),
            ("players", "show", sample["players"][0]["riot_id"], "--json"),
            ("report", "smurfs", "--json"),
            ("metrics",),
            ("check",),
            ("db", "url"),
            ("export", "k8s", "--yaml-only"),
            ("install-cron", "--dry-run", "--write-env-file", "--file", str(tmp_path / "crontab")),
        ):
            riotjobs(*args, env=env)

        # A wrong key given in the environment: the run fails at once (exit 1).
        wrong = {**env, "RIOT_API_KEY": WRONG_KEY}
        riotjobs("run", "tracked_player_updater", "-v", env=wrong, ok=(1,))
        riotjobs("players", "track", "Nobody#NA1", env=wrong, ok=(1,))

    # The API is gone now: connection errors, retries, exit 69.
    riotjobs("run", "tracked_player_updater", "-v", env=env, ok=(69, 1, 3))

    cron = tmp_path / "crontab"
    cron.write_text("")
    riotjobs("install-cron", "--write-env-file", "--file", str(cron), env=env)
    seen.append(cron.read_text())
    seen.append(database_as_text(engine))

    haystack = "\n".join(seen)
    assert "RIOTJOBS_ENV_FILE" in cron.read_text()  # the crontab points at the env file
    assert "api_requests_made" in haystack or "API" in haystack  # the runs really reported
    for secret in (KEY, WRONG_KEY, *FRAGMENTS):
        assert secret not in haystack, f"{secret!r} leaked"
