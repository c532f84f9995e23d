"""Ping URLs are secrets: they never appear in output, logs, the database or the crontab.

The default and a per-job URL come from the env file (as under cron), a third is exported in
the shell (which `install-cron` must copy or refuse without printing it). The default points at
a closed port, so the run logs ping failures: those name the host only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import database_as_text, run_riotjobs
from tests.ops.pingserver import PingServer, closed_port

pytestmark = pytest.mark.slow

MARKERS = ("hcdefault-3a9f-leak", "hcnap-77b2-leak", "hcbroken-c41e-leak")
JOBS = """
defaults: {timeout: 30}
jobs:
  nap:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0.1}
  broken:
    schedule: "*/5 * * * *"
    tasks: [sleep]
    config: {seconds: 0, result: error}
  other:
    schedule: "0 * * * *"
    tasks: [sleep]
    config: {seconds: 0}
"""


def test_ping_urls_never_appear_anywhere(
    cli_env: dict[str, str], tmp_path: Path, engine: Any
) -> None:
    seen: list[str] = []

    def riotjobs(*args: str, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
        result = run_riotjobs(*args, env=env, timeout=60)
        seen.extend([result.stdout, result.stderr])
        assert result.returncode in ok, (args, result.returncode, result.stderr)
        return result.stderr

    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(JOBS)
    with PingServer() as server:
        env_file = tmp_path / "riotjobs.env"
        env_file.write_text(
            f"RIOTJOBS_PING_URL=http://127.0.0.1:{closed_port()}/{MARKERS[0]}\n"
            f"RIOTJOBS_PING_URL_NAP={server.base}/{MARKERS[1]}\n"
        )
        env_file.chmod(0o600)
        env = {**cli_env, "RIOTJOBS_ENV_FILE": str(env_file), "RIOTJOBS_CONFIG": str(jobs)}
        riotjobs("run", "nap", "-v", env=env)
        riotjobs("run", "broken", "-v", env=env, ok=(1,))
        riotjobs("run", "other", env=env)
        assert len(server.requests) == 2  # nap's own URL won over the default
        for args in (
            ("show", "1"),
            ("show", "2", "--follow"),
            ("logs", "broken"),
            ("status",),
            ("history", "broken", "--json"),
            ("check",),
            ("export", "healthchecks", "--yaml-only"),
            ("export", "k8s", "--yaml-only"),
        ):
            riotjobs(*args, env=env, ok=(0, 1, 78))

    # A per-job URL only this shell has: cron would not see it. Named, never shown.
    shell = {**env, "RIOTJOBS_PING_URL_BROKEN": f"https://hc-ping.com/{MARKERS[2]}"}
    cron = tmp_path / "crontab"
    cron.write_text("")
    refusal = riotjobs("install-cron", "--file", str(cron), env=shell, ok=(78,))
    assert "RIOTJOBS_PING_URL_BROKEN (not in the env file)" in refusal
    riotjobs("install-cron", "--write-env-file", "--file", str(cron), env=shell)
    assert MARKERS[2] in env_file.read_text()  # copied where cron reads it
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    seen.append(cron.read_text())
    seen.append(database_as_text(engine))

    haystack = "\n".join(seen)
    assert "ping start to http://127.0.0.1 failed" in haystack  # the failures were logged
    for marker in MARKERS:
        assert marker not in haystack, f"{marker!r} leaked"
