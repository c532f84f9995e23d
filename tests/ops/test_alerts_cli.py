"""Alerts through real `riotjobs` processes: `riotjobs run` with the runner's hook, and
`riotjobs alerts test|flush`."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from riotjobs.db.models import JobExecution, JobIncident, Notification
from tests.helpers import run_riotjobs
from tests.ops.helpers import Receiver

pytestmark = pytest.mark.slow

BAD = """
defaults: {alert_format: discord, alert_after_failures: 2}
jobs:
  flaky: {schedule: "*/5 * * * *", timeout: 2, tasks: [sleep], config: {seconds: 6}}
"""
GOOD = """
defaults: {alert_format: discord, alert_after_failures: 2}
jobs:
  flaky: {schedule: "*/5 * * * *", timeout: 30, tasks: [sleep], config: {seconds: 0}}
"""


def _run(env: dict[str, str], config: Path, *flags: str) -> Any:
    env = {**env, "RIOTJOBS_CONFIG": str(config)}
    return run_riotjobs("run", "flaky", *flags, env=env, timeout=60)


def test_runs_alert_after_two_timeouts_and_recover_once(
    cli_env: dict[str, str], jobs_file: Any, receiver: Receiver, session: Any
) -> None:
    env = {**cli_env, "RIOTJOBS_ALERT_WEBHOOK_URL": receiver.url}
    bad, good = jobs_file(BAD, "bad.yaml"), jobs_file(GOOD, "good.yaml")
    assert _run(env, bad).returncode == 124
    assert receiver.bodies == []
    assert _run(env, bad).returncode == 124
    assert len(receiver.bodies) == 1
    assert "ALERT" in receiver.bodies[0]["content"] and "flaky" in receiver.bodies[0]["content"]
    assert _run(env, bad).returncode == 124  # the same incident: no second alert
    assert _run(env, good).returncode == 0
    assert _run(env, good).returncode == 0
    assert [b["content"].split(":")[0] for b in receiver.bodies] == [
        "riotjobs ALERT",
        "riotjobs RECOVERED",
    ]
    (incident,) = session.exec(select(JobIncident)).all()
    assert incident.closed_at is not None and incident.consecutive_failures == 3


def test_hanging_webhook_delays_a_run_by_at_most_5_s_and_a_later_run_delivers(
    cli_env: dict[str, str], jobs_file: Any, receiver: Receiver, session: Any
) -> None:
    env = {**cli_env, "RIOTJOBS_ALERT_WEBHOOK_URL": receiver.url}
    bad = jobs_file(BAD.replace("alert_after_failures: 2", "alert_after_failures: 1"), "b.yaml")
    receiver.mode = "hang"
    result = _run(env, bad, "-v")
    exited = datetime.now(UTC)
    assert result.returncode == 124, result.stderr
    row = session.exec(select(JobExecution)).one()
    assert row.status == "timeout" and row.finished_at is not None
    # The row is final before alerting starts; alerting may then take at most 5 s.
    assert (exited - row.finished_at).total_seconds() < 6
    assert "undelivered to http://127.0.0.1" in result.stderr
    assert "T0KEN" not in result.stderr + result.stdout
    (queued,) = session.exec(select(Notification)).all()
    assert queued.delivered_at is None

    receiver.mode = "fail"
    assert _run(env, bad).returncode == 124  # the same incident; the queued alert fails again
    session.expire_all()
    (queued,) = session.exec(select(Notification)).all()
    assert queued.delivered_at is None and queued.last_error == "HTTP 500"

    receiver.mode = "ok"
    good = jobs_file(GOOD, "g.yaml")
    assert _run(env, good).returncode == 0
    assert [b["content"].split(":")[0] for b in receiver.bodies] == [
        "riotjobs ALERT",
        "riotjobs RECOVERED",
    ]


def test_alerts_test_exit_codes_and_masked_destination(
    cli_env: dict[str, str], receiver: Receiver
) -> None:
    env = {**cli_env, "RIOTJOBS_ALERT_WEBHOOK_URL": receiver.url}
    ok = run_riotjobs("alerts", "test", "--format", "generic", env=env)
    assert ok.returncode == 0, ok.stderr
    assert "delivered to http://127.0.0.1" in ok.stdout
    assert "T0KEN" not in ok.stdout + ok.stderr
    (body,) = receiver.bodies
    assert body["event"] == "test" and body["text"] == body["content"]
    assert receiver.paths == ["/hook/T0KEN-s3cret-path"]

    receiver.mode = "fail"
    failed = run_riotjobs("alerts", "test", env=env)
    assert failed.returncode == 1
    assert "not delivered to http://127.0.0.1: HTTP 500" in failed.stderr
    assert "T0KEN" not in failed.stdout + failed.stderr

    receiver.mode = "hang"
    started = time.monotonic()
    hung = run_riotjobs("alerts", "test", "--json", env=env)
    assert hung.returncode == 1
    assert time.monotonic() - started < 30

    missing = run_riotjobs("alerts", "test", env=cli_env)
    assert missing.returncode == 78
    assert "RIOTJOBS_ALERT_WEBHOOK_URL" in missing.stderr


def test_alerts_flush_delivers_the_outbox(
    cli_env: dict[str, str], receiver: Receiver, session: Any
) -> None:
    session.add(Notification(kind="alert", job_id="x", payload={"text": "queued earlier"}))
    session.commit()
    env = {**cli_env, "RIOTJOBS_ALERT_WEBHOOK_URL": receiver.url}
    result = run_riotjobs("alerts", "flush", env=env)
    assert result.returncode == 0, result.stderr
    assert "1 delivered, 0 undelivered" in result.stdout
    assert receiver.bodies == [{"text": "queued earlier"}]
    assert run_riotjobs("alerts", "flush", env=cli_env).returncode == 78
