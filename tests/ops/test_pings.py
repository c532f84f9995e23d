"""Dead-man's-switch pings (issue 16, acceptance 2): real `riotjobs run` processes ping a local
HTTP server that records each request. Start, then success, failure, timeout and skipped; each
check covers the URL, the rid and the body's size. A ping server that hangs or refuses changes
neither a run's status nor its duration by more than the ping timeout."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riotjobs.ops.pings import BODY_LIMIT, PING_TIMEOUT_S
from tests.helpers import run_riotjobs, spawn_riotjobs
from tests.ops.pingserver import PingServer, closed_port
from tests.runner.helpers import executions, running_row, wait_for

pytestmark = pytest.mark.slow

KEY = "pingkey-5e8d1c-secret"
JOBS = """
defaults: {timeout: 30}
jobs:
  nap:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0.2}
  broken:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0, result: error}
  stuck:
    schedule: "*/2 * * * *"
    timeout: 5
    tasks: [sleep]
    config: {seconds: 60}
  long_nap:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 60}
  chatty:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0, log_bytes: 40000}
  paused:
    schedule: "*/2 * * * *"
    enabled: false
    tasks: [sleep]
"""


@pytest.fixture
def ping_env(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], tmp_path: Path
) -> Callable[..., dict[str, str]]:
    """An environment whose env file holds the given ping settings (as cron would read)."""

    def make(**settings: str) -> dict[str, str]:
        env_file = tmp_path / f"ping-{uuid.uuid4().hex[:6]}.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
        env_file.chmod(0o600)
        jobs = str(jobs_file(JOBS))
        return {**cli_env, "RIOTJOBS_CONFIG": jobs, "RIOTJOBS_ENV_FILE": str(env_file)}

    return make


def _pings_of(server: PingServer, count: int) -> list[Any]:
    what = f"{count} ping(s), got {[r.path for r in server.requests]}"
    return wait_for(lambda: len(server.requests) >= count and server.requests, what=what)


def _valid_rid(rid: str | None) -> str:
    assert rid is not None
    return str(uuid.UUID(rid))


def test_success_pings_start_then_zero_with_the_log_tail(
    ping_env: Callable[..., dict[str, str]], engine: Any
) -> None:
    with PingServer() as server:
        env = ping_env(RIOTJOBS_PING_URL=f"{server.base}/{KEY}")
        result = run_riotjobs("run", "nap", env=env)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
        start, end = _pings_of(server, 2)
    assert start.path == f"/{KEY}/nap/start" and start.body == b""
    assert end.path == f"/{KEY}/nap/0"
    assert _valid_rid(start.rid) == _valid_rid(end.rid)
    [row] = executions(engine, "nap")
    assert end.body.decode() == row["log"]  # short log: all of it
    assert len(server.requests) == 2


def test_failure_and_timeout_ping_their_exit_codes(
    ping_env: Callable[..., dict[str, str]], engine: Any
) -> None:
    with PingServer() as server:
        env = ping_env(RIOTJOBS_PING_URL=f"{server.base}/{KEY}/")
        assert run_riotjobs("run", "broken", env=env).returncode == 1
        assert run_riotjobs("run", "stuck", env=env).returncode == 124
        pings = _pings_of(server, 4)
    assert [p.path for p in pings] == [
        f"/{KEY}/broken/start", f"/{KEY}/broken/1", f"/{KEY}/stuck/start", f"/{KEY}/stuck/124",
    ]  # fmt: skip
    assert pings[0].rid == pings[1].rid != pings[2].rid == pings[3].rid
    assert b"RehearsedFailure" in pings[1].body or b"task sleep failed" in pings[1].body
    assert b"timed out after 5 s" in pings[3].body
    assert 0 < len(pings[3].body) <= BODY_LIMIT


def test_a_long_log_sends_its_last_10000_bytes(
    ping_env: Callable[..., dict[str, str]], engine: Any
) -> None:
    with PingServer() as server:
        env = ping_env(RIOTJOBS_PING_URL=f"{server.base}/{KEY}")
        assert run_riotjobs("run", "chatty", env=env).returncode == 0
        _, end = _pings_of(server, 2)
    [row] = executions(engine, "chatty")
    assert len(row["log"]) > BODY_LIMIT
    assert BODY_LIMIT - 4 <= len(end.body) <= BODY_LIMIT
    assert row["log"].encode().endswith(end.body)


def test_skipped_run_logs_an_event_and_never_pings_a_failure(
    ping_env: Callable[..., dict[str, str]], engine: Any
) -> None:
    with PingServer() as server:
        env = ping_env(RIOTJOBS_PING_URL=f"{server.base}/{KEY}")
        holder = spawn_riotjobs("run", "long_nap", env=env)
        try:
            wait_for(lambda: running_row(engine, "long_nap"), what="the holder's row")
            assert run_riotjobs("run", "long_nap", env=env).returncode == 75
        finally:
            holder.send_signal(signal.SIGTERM)
            assert holder.wait(timeout=20) == 143
        pings = _pings_of(server, 3)
    by_path = {p.path: p for p in pings}
    assert sorted(by_path) == sorted(
        [f"/{KEY}/long_nap/start", f"/{KEY}/long_nap/log", f"/{KEY}/long_nap/143"]
    )
    skip = by_path[f"/{KEY}/long_nap/log"]
    assert skip.body.startswith(b"skipped: ") and b"pid" in skip.body
    assert _valid_rid(skip.rid) != by_path[f"/{KEY}/long_nap/start"].rid
    assert not any(p.path.endswith("/75") for p in pings)


def test_disabled_job_and_off_send_nothing_and_a_job_url_wins(
    ping_env: Callable[..., dict[str, str]], engine: Any
) -> None:
    with PingServer() as server:
        env = ping_env(
            RIOTJOBS_PING_URL=f"{server.base}/{KEY}",
            RIOTJOBS_PING_URL_BROKEN="off",
            RIOTJOBS_PING_URL_NAP=f"{server.base}/own-uuid-1234",
        )
        assert run_riotjobs("run", "paused", env=env).returncode == 0
        assert run_riotjobs("run", "broken", env=env).returncode == 1
        assert run_riotjobs("run", "nap", env=env).returncode == 0
        pings = _pings_of(server, 2)
        time.sleep(0.5)  # nothing else trickles in
    assert [p.path for p in server.requests] == ["/own-uuid-1234/start", "/own-uuid-1234/0"]
    assert len(pings) == 2


@pytest.mark.parametrize("mode", ["hang", "refuse", "error"])
def test_a_broken_ping_server_changes_neither_status_nor_duration(
    mode: str, ping_env: Callable[..., dict[str, str]], engine: Any
) -> None:
    with PingServer() as fine:
        began = time.monotonic()
        baseline = run_riotjobs("run", "nap", env=ping_env(RIOTJOBS_PING_URL=fine.base))
        baseline_s = time.monotonic() - began
    assert baseline.returncode == 0
    with PingServer("hang" if mode == "hang" else "error") as bad:
        url = f"http://127.0.0.1:{closed_port()}" if mode == "refuse" else bad.base
        began = time.monotonic()
        broken = run_riotjobs("run", "nap", env=ping_env(RIOTJOBS_PING_URL=url), timeout=30)
        broken_s = time.monotonic() - began
    assert (broken.returncode, broken.stdout, broken.stderr) == (0, "", "")
    first, second = executions(engine, "nap")
    assert first["status"] == second["status"] == "success"
    # Bounds against a hang, not benchmarks: the ping timeout plus a generous margin.
    assert second["duration_ms"] < first["duration_ms"] + 1000 * PING_TIMEOUT_S + 1500
    assert broken_s < baseline_s + PING_TIMEOUT_S + 3.0
    assert "ping" in second["log"] or mode == "hang"  # refusals are noted, without the URL
