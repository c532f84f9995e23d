"""The `data_quality` task: each check finds a planted inconsistency; a clean database passes."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from riotjobs.counters import COUNTER_NAMES, Counters
from riotjobs.db.models import (
    Match,
    MatchParticipant,
    Player,
    utcnow,
)
from riotjobs.settings import Settings
from riotjobs.tasks import data_quality
from riotjobs.tasks.base import TaskContext, TaskOutcome
from tests.helpers import run_riotjobs
from tests.ops.helpers import Runs, add_analysis

JOBS = """
jobs:
  tracked_player_updater:
    schedule: "*/10 * * * *"
    tasks: [update_tracked_players]
  data_quality:
    schedule: "0 */4 * * *"
    tasks: [data_quality]
"""


def _run(engine: Any, jobs_path: Path, **config: Any) -> tuple[TaskOutcome, Counters]:
    counters = Counters()
    ctx = TaskContext(
        job_id="data_quality",
        execution_id=1,
        settings=Settings(config_path=jobs_path),
        engine=engine,
        counters=counters,
        deadline=time.monotonic() + 60,
        log=logging.getLogger("riotjobs.task.data_quality"),
    )
    return data_quality.run(ctx, data_quality.Config(**config)), counters


def _player(session: Any, puuid: str, **fields: Any) -> Player:
    player = Player(puuid=puuid, platform="na1", **fields)
    session.add(player)
    session.commit()
    return player


def _match(session: Any, match_id: str, puuids: list[str], count: int | None = None) -> None:
    session.add(
        Match(
            match_id=match_id,
            platform_id="NA1",
            queue_id=420,
            game_creation=utcnow(),
            participant_count=len(puuids) if count is None else count,
        )
    )
    session.flush()
    for index, puuid in enumerate(puuids):
        session.add(
            MatchParticipant(
                match_id=match_id,
                puuid=puuid,
                participant_id=index + 1,
                team_id=100 if index < 5 else 200,
                champion_id=index + 1,
                win=index < 5,
            )
        )
    session.commit()


def _consistent(session: Any) -> None:
    """A small database with nothing wrong in it."""
    for n in range(10):
        _player(session, f"p{n}", is_analyzed=n < 2, is_tracked=n == 0, tracked_at=utcnow())
    add_analysis(session, "p0")
    add_analysis(session, "p1")
    _match(session, "NA1_1", [f"p{n}" for n in range(10)])
    _match(session, "NA1_EMPTY", [])


@pytest.fixture
def jobs_path(jobs_file: Any) -> Path:
    path: Path = jobs_file(JOBS)
    return path


def test_clean_database_is_success_and_logs_each_check(
    engine: Any, session: Any, runs: Runs, jobs_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _consistent(session)
    runs.add("tracked_player_updater", "running", started_at=utcnow())  # within its timeout
    caplog.set_level(logging.INFO, logger="riotjobs")
    outcome, counters = _run(engine, jobs_path)
    assert outcome.status == "success" and outcome.failures == []
    for name in data_quality.CHECKS:
        assert f"check {name}: ok" in caplog.text
    assert "schedule of job tracked_player_updater" in caplog.text
    assert all(counters.get(name) == 0 for name in COUNTER_NAMES)


def _plant_analyzed_without_analysis(session: Any, runs: Runs) -> None:
    _player(session, "lonely", is_analyzed=True)


def _plant_participants_without_player(session: Any, runs: Runs) -> None:
    _match(session, "NA1_2", ["p0", "ghost-1", "ghost-2"])


def _plant_participant_count_mismatch(session: Any, runs: Runs) -> None:
    _match(session, "NA1_3", [f"p{n}" for n in range(10)], count=16)


def _plant_stale_tracked_players(session: Any, runs: Runs) -> None:
    # The updater runs every 10 min, so 3 x 10 min = 30 min is the limit.
    old = utcnow() - timedelta(minutes=31)
    _player(session, "stale", is_tracked=True, tracked_at=old, updated_at=old)
    fresh = utcnow() - timedelta(minutes=25)
    _player(session, "fresh", is_tracked=True, tracked_at=fresh, updated_at=fresh)
    _player(session, "inactive", is_tracked=True, is_active=False, tracked_at=old, updated_at=old)


def _plant_overdue_running_executions(session: Any, runs: Runs) -> None:
    runs.add("x", "running", started_at=utcnow() - timedelta(seconds=200), timeout_s=120)
    runs.add("y", "running", started_at=utcnow() - timedelta(seconds=150), timeout_s=120)


PLANTS = {
    "analyzed_without_analysis": (_plant_analyzed_without_analysis, 1),
    "participants_without_player": (_plant_participants_without_player, 2),
    "participant_count_mismatch": (_plant_participant_count_mismatch, 1),
    "stale_tracked_players": (_plant_stale_tracked_players, 1),
    "overdue_running_executions": (_plant_overdue_running_executions, 1),
}


@pytest.mark.parametrize("check", sorted(PLANTS))
def test_each_check_finds_its_planted_inconsistency(
    check: str, engine: Any, session: Any, runs: Runs, jobs_path: Path
) -> None:
    assert set(PLANTS) == set(data_quality.CHECKS)
    _consistent(session)
    plant, expected = PLANTS[check]
    plant(session, runs)
    outcome, counters = _run(engine, jobs_path)
    assert outcome.status == "partial"
    assert len(outcome.failures) == 1, outcome.failures
    assert outcome.failures[0].startswith(f"{check}: {expected} ")
    assert all(counters.get(name) == 0 for name in COUNTER_NAMES)


def test_interval_comes_from_the_schedule_or_the_fallback(jobs_file: Any) -> None:
    settings = Settings(config_path=jobs_file(JOBS))
    assert data_quality.tracked_interval(settings, 15)[0] == timedelta(minutes=10)
    bare = jobs_file('jobs:\n  dq: {schedule: "0 * * * *", tasks: [data_quality]}\n', "b.yaml")
    interval, source = data_quality.tracked_interval(Settings(config_path=bare), 7)
    assert interval == timedelta(minutes=7) and source == "tracked_interval_fallback_minutes"
    # Irregular schedules use their longest gap: weekdays at 03:00 have a 3-day weekend gap.
    assert data_quality.schedule_gap("0 3 * * 1-5") == timedelta(days=3)


@pytest.mark.slow
def test_riotjobs_run_data_quality_exits_partial(
    cli_env: dict[str, str], session: Any, jobs_path: Path
) -> None:
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_path)}
    clean = run_riotjobs("run", "data_quality", env=env)
    assert clean.returncode == 0, clean.stderr
    _player(session, "lonely", is_analyzed=True)
    dirty = run_riotjobs("run", "data_quality", "-v", env=env)
    assert dirty.returncode == 3, dirty.stderr
    assert "analyzed_without_analysis: 1" in dirty.stderr
