"""Incident decisions and outbox delivery of ``riotjobs.ops.alerts.after_run`` against a real
webhook receiver and a real database."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from riotjobs.config import Job, load_jobs
from riotjobs.db.models import JobIncident, Notification
from riotjobs.ops import alerting, alerts
from riotjobs.settings import Settings
from riotjobs.tasks.base import Event
from riotjobs.tasks.registry import REGISTRY
from tests.ops.helpers import Receiver, Runs

JOBS = """
defaults:
  alert_format: generic
  alert_after_failures: 1
jobs:
  flaky:
    schedule: "*/5 * * * *"
    alert_after_failures: 2
    tasks: [sleep]
  steady:
    schedule: "*/5 * * * *"
    tasks: [sleep]
"""


@pytest.fixture
def jobs_path(jobs_file: Any) -> Path:
    path: Path = jobs_file(JOBS)
    return path


def _settings(jobs_path: Path, url: str | None, **extra: Any) -> Settings:
    return Settings(config_path=jobs_path, alert_webhook_url=url, **extra)


def _job(jobs_path: Path, job_id: str) -> Job:
    return load_jobs(jobs_path, registry=REGISTRY).get(job_id)


def _after(engine: Any, settings: Settings, job: Job, run: Any, **kw: Any) -> alerts.AfterRunReport:
    report = alerts.after_run(engine=engine, settings=settings, job=job, execution=run, **kw)
    assert report is not None
    return report


def _incidents(session: Any, job_id: str) -> list[JobIncident]:
    session.expire_all()
    return list(session.exec(select(JobIncident).where(JobIncident.job_id == job_id)).all())


def test_policy_resolves_job_override_then_defaults(jobs_path: Path) -> None:
    assert alerts.policy_for(_job(jobs_path, "flaky")) == alerts.AlertPolicy("generic", 2)
    assert alerts.policy_for(_job(jobs_path, "steady")).after_failures == 1
    assert alerts.policy_for(None) == alerts.AlertPolicy("slack", 1)


def test_two_failures_alert_once_and_success_recovers_once(
    engine: Any, session: Any, runs: Runs, receiver: Receiver, jobs_path: Path
) -> None:
    settings = _settings(jobs_path, receiver.url)
    job = _job(jobs_path, "flaky")

    first = _after(engine, settings, job, runs.add("flaky", "failed", error="boom"))
    assert first.queued == () and receiver.bodies == []
    second = _after(engine, settings, job, runs.add("flaky", "timeout", error="too slow"))
    assert second.queued == ("alert",) and second.delivered == 1
    third = _after(engine, settings, job, runs.add("flaky", "failed", error="boom again"))
    assert third.queued == ()  # the same incident: suppressed
    assert receiver.events() == ["alert"]
    alert = receiver.bodies[0]
    assert alert["job"] == "flaky" and alert["status"] == "timeout"
    assert alert["error"] == "too slow" and alert["host"] == "test-host"
    assert alert["incident"]["consecutive_failures"] == 2
    assert alert["text"] == alert["content"]

    recovered = runs.add("flaky", "success")
    assert _after(engine, settings, job, recovered).queued == ("recovery",)
    _after(engine, settings, job, runs.add("flaky", "success"))
    assert receiver.events() == ["alert", "recovery"]
    assert receiver.bodies[1]["execution_id"] == recovered.id
    (incident,) = _incidents(session, "flaky")
    assert incident.closed_at is not None and incident.consecutive_failures == 3


def test_partial_skipped_and_cancelled_neither_open_nor_close(
    engine: Any, session: Any, runs: Runs, receiver: Receiver, jobs_path: Path
) -> None:
    settings = _settings(jobs_path, receiver.url)
    job = _job(jobs_path, "steady")
    _after(engine, settings, job, runs.add("steady", "partial"))
    _after(engine, settings, job, runs.add("steady", "skipped"))
    assert _after(engine, settings, job, runs.add("steady", "cancelled")).queued == ()
    assert _incidents(session, "steady") == []

    _after(engine, settings, job, runs.add("steady", "abandoned"))
    _after(engine, settings, job, runs.add("steady", "partial"))
    _after(engine, settings, job, runs.add("steady", "skipped"))
    _after(engine, settings, job, runs.add("steady", "cancelled"))
    (incident,) = _incidents(session, "steady")
    assert incident.closed_at is None and incident.consecutive_failures == 1
    _after(engine, settings, job, runs.add("steady", "success"))
    assert receiver.events() == ["alert", "recovery"]


def test_no_recovery_message_when_no_alert_was_sent(
    engine: Any, session: Any, runs: Runs, receiver: Receiver, jobs_path: Path
) -> None:
    settings = _settings(jobs_path, receiver.url)
    job = _job(jobs_path, "flaky")
    _after(engine, settings, job, runs.add("flaky", "failed"))
    _after(engine, settings, job, runs.add("flaky", "success"))
    assert receiver.bodies == []
    (incident,) = _incidents(session, "flaky")
    assert incident.closed_at is not None and incident.alerted_at is None


def test_banned_players_are_one_batched_message(
    engine: Any, runs: Runs, receiver: Receiver, jobs_path: Path
) -> None:
    settings = _settings(jobs_path, receiver.url)
    events = [
        Event("banned", {"puuid": "p1", "riot_id": "Alpha#NA1"}),
        Event("banned", {"puuid": "p2", "game_name": "Beta", "tag_line": "EUW"}),
        Event("banned", {"puuid": "p3"}),
        Event("other", {"x": 1}),
    ]
    run = runs.add("steady", "success")
    report = _after(engine, settings, _job(jobs_path, "steady"), run, events=events)
    assert report.queued == ("banned",)
    (body,) = receiver.bodies
    assert body["event"] == "banned" and len(body["players"]) == 3
    assert "(3)" in body["text"]
    for name in ("Alpha#NA1", "Beta#EUW", "p3"):
        assert name in body["text"]


def test_failing_receiver_keeps_message_and_next_run_delivers_it(
    engine: Any, session: Any, runs: Runs, receiver: Receiver, jobs_path: Path
) -> None:
    settings = _settings(jobs_path, receiver.url)
    receiver.mode = "fail"
    report = _after(engine, settings, _job(jobs_path, "steady"), runs.add("steady", "failed"))
    assert report.queued == ("alert",) and report.undelivered == 1
    (stored,) = session.exec(select(Notification)).all()
    assert stored.delivered_at is None and stored.attempts == 1
    assert stored.last_error == "HTTP 500"

    receiver.mode = "ok"
    # Any job's next run delivers the outbox.
    later = _after(engine, settings, _job(jobs_path, "flaky"), runs.add("flaky", "partial"))
    assert later.delivered == 1
    assert receiver.events() == ["alert"]
    session.expire_all()
    (stored,) = session.exec(select(Notification)).all()
    assert stored.delivered_at is not None and stored.attempts == 2


def test_hanging_receiver_costs_at_most_the_budget(
    engine: Any, session: Any, runs: Runs, receiver: Receiver, jobs_path: Path
) -> None:
    settings = _settings(jobs_path, receiver.url)
    receiver.mode = "hang"
    job = _job(jobs_path, "steady")
    # Three queued messages; a hanging receiver must not cost three timeouts.
    _after(engine, settings, job, runs.add("steady", "failed"), budget_s=0.2)
    _after(engine, settings, job, runs.add("steady", "success"), budget_s=0.2)
    started = time.monotonic()
    report = alerts.after_run(
        engine=engine,
        settings=settings,
        job=job,
        execution=runs.add("steady", "failed"),
        events=[Event("banned", {"puuid": "p9"})],
    )
    assert time.monotonic() - started < 5.5  # the contract: never more than 5 s
    assert report is not None and report.delivered == 0
    session.expire_all()
    pending = session.exec(select(Notification).where(col(Notification.delivered_at).is_(None)))
    assert len(pending.all()) == 4


def test_without_webhook_incidents_are_kept_but_nothing_is_queued(
    engine: Any, session: Any, runs: Runs, jobs_path: Path
) -> None:
    settings = _settings(jobs_path, None)
    report = _after(
        engine,
        settings,
        _job(jobs_path, "steady"),
        runs.add("steady", "failed"),
        events=[Event("banned", {"puuid": "p1"})],
    )
    assert report.queued == () and report.incident_id is not None
    assert session.exec(select(Notification)).all() == []


def test_reaped_orphans_open_incidents_unless_a_later_run_succeeded(
    engine: Any, session: Any, runs: Runs, receiver: Receiver, jobs_path: Path
) -> None:
    settings = _settings(jobs_path, receiver.url)
    stale = runs.add("flaky", "abandoned")
    runs.add("flaky", "success")
    orphan = runs.add("steady", "abandoned")
    alerts.after_reap(engine=engine, settings=settings, execution_ids=[stale.id, orphan.id])
    assert _incidents(session, "flaky") == []
    (incident,) = _incidents(session, "steady")
    assert incident.last_execution_id == orphan.id
    # Reaping only queues (`riotjobs status` reaps too); the next run or `alerts flush` sends.
    assert receiver.bodies == []
    assert alerting.flush_outbox(engine=engine, settings=settings).delivered == 1
    assert receiver.events() == ["alert"]
    # Reporting the same execution twice does not count it twice.
    alerts.after_reap(engine=engine, settings=settings, execution_ids=[orphan.id])
    assert _incidents(session, "steady")[0].consecutive_failures == 1


def test_webhook_url_and_api_key_never_logged_or_sent(
    engine: Any,
    session: Any,
    runs: Runs,
    receiver: Receiver,
    jobs_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = "RGAPI-fake-dead-beef-not-a-real-key"
    settings = _settings(jobs_path, receiver.url, RIOT_API_KEY=key)
    receiver.mode = "fail"
    caplog.set_level(logging.DEBUG, logger="riotjobs")
    run = runs.add("steady", "failed", error=f"401 for key {key} at {receiver.url}")
    _after(engine, settings, _job(jobs_path, "steady"), run)
    receiver.mode = "ok"
    _after(engine, settings, _job(jobs_path, "steady"), runs.add("steady", "success"))
    assert "undelivered" in caplog.text and "http://127.0.0.1" in caplog.text
    sent = str(receiver.bodies) + str([n.payload for n in session.exec(select(Notification))])
    for secret in (key, "T0KEN-s3cret-path"):
        assert secret not in caplog.text
        assert secret not in sent


def test_alerting_errors_never_raise(jobs_path: Path, engine: Any) -> None:
    settings = _settings(jobs_path, "http://127.0.0.1:9/hook")
    assert alerts.after_run(engine=engine, settings=settings, job=None, execution=999_999) is None
