"""`riotjobs export healthchecks`: one check per enabled job, grace from its timeout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from riotjobs.config import load_jobs
from riotjobs.schedule.healthchecks import MIN_GRACE_S, checks, grace_for
from riotjobs.tasks.registry import REGISTRY
from tests.helpers import run_riotjobs

JOBS = """
defaults: {timeout: 120}
jobs:
  tracked_player_updater:
    name: Tracked players
    description: refreshes tracked players
    schedule: "*/2 * * * *"
    tasks: [sleep]
  nightly:
    schedule: "0 3 * * *"
    timeout: 3600
    tasks: [sleep]
  parked:
    schedule: "0 * * * *"
    enabled: false
    tasks: [sleep]
"""


def test_checks_of_enabled_jobs_with_grace_from_the_timeout(jobs_file: Any) -> None:
    jobs = load_jobs(Path(jobs_file(JOBS)), registry=REGISTRY)
    found = checks(jobs=jobs, enabled={"nightly": False, "parked": True}, tz="Europe/Berlin")
    assert [c["slug"] for c in found] == ["parked", "tracked_player_updater"]
    tracked = found[1]
    assert tracked == {
        "name": "Tracked players", "slug": "tracked_player_updater", "tags": "riotjobs",
        "schedule": "*/2 * * * *", "tz": "Europe/Berlin", "grace": 180, "unique": ["slug"],
        "desc": "refreshes tracked players",
    }  # fmt: skip
    assert grace_for(3600) == 3660 and grace_for(1) == 61 >= MIN_GRACE_S


def test_cli_prints_json_without_any_ping_url(
    cli_env: dict[str, str], jobs_file: Any, tmp_path: Path
) -> None:
    env_file = tmp_path / "hc.env"
    env_file.write_text("RIOTJOBS_PING_URL=https://hc-ping.com/secret-key-9\n")
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS)), "RIOTJOBS_ENV_FILE": str(env_file)}
    result = run_riotjobs("export", "healthchecks", "--yaml-only", env=env)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [c["slug"] for c in document] == ["nightly", "tracked_player_updater"]
    assert document[0]["grace"] == 3660 and document[0]["tz"] == "UTC"
    assert "secret-key-9" not in result.stdout + result.stderr
    bad = run_riotjobs("export", "healthchecks", "--yaml-only", "--tz", "Nowhere/X", env=env)
    assert bad.returncode == 2 and "unknown time zone" in bad.stderr
