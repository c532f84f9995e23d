"""The catch-up rule (``runs.catchup.missed_fire``), with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from riotjobs.runs.catchup import GRACE, missed_fire

NOW = datetime(2026, 12, 2, 8, 0, 30, tzinfo=UTC)
SIX_HOURS = timedelta(hours=6)


def _missed(schedule: str, last: datetime | None, *, within: timedelta = SIX_HOURS,
            now: datetime = NOW, tz: str = "UTC") -> datetime | None:  # fmt: skip
    return missed_fire(schedule=schedule, within=within, now=now, last_started=last, tz=tz)


def test_one_missed_tick_is_caught_up() -> None:
    # Daily at 03:00; the host was down at 03:00 today; the last run was yesterday's.
    last = datetime(2026, 12, 1, 3, 0, 2, tzinfo=UTC)
    assert _missed("0 3 * * *", last) == datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_three_missed_ticks_give_the_newest_fire_time_only() -> None:
    # Hourly at :00; the runs of 05:00, 06:00 and 07:00 are missing (08:00 is 30 s old, inside
    # the grace): the newest missed one, 07:00, is caught up, once.
    last = datetime(2026, 12, 2, 4, 0, 1, tzinfo=UTC)
    assert _missed("0 * * * *", last) == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def test_a_miss_older_than_within_is_left_alone() -> None:
    last = datetime(2026, 12, 1, 3, 0, 2, tzinfo=UTC)
    # 03:00 is 5 h 0 min 30 s before now.
    assert _missed("0 3 * * *", last, within=timedelta(hours=5)) is None
    assert _missed("0 3 * * *", last, within=timedelta(hours=5, minutes=1)) is not None


@pytest.mark.parametrize("status_time", [
    datetime(2026, 12, 2, 3, 0, tzinfo=UTC),  # exactly at the fire time counts
    datetime(2026, 12, 2, 7, 59, tzinfo=UTC),  # any later run too (a manual one, a catch-up)
])  # fmt: skip
def test_a_run_at_or_after_the_fire_time_means_nothing_was_missed(status_time: datetime) -> None:
    assert _missed("0 3 * * *", status_time) is None


def test_a_job_that_never_ran_is_not_caught_up() -> None:
    # A fresh install is no missed run: the job's first run is cron's.
    assert _missed("0 3 * * *", None) is None


def test_a_fire_time_inside_the_grace_is_not_missed_yet() -> None:
    # Cron fired the 08:00 run half a minute ago; its row may not be written yet.
    last = datetime(2026, 12, 2, 7, 0, 1, tzinfo=UTC)
    assert _missed("0 * * * *", last) is None
    later = NOW.replace(second=0) + GRACE
    assert _missed("0 * * * *", last, now=later) == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_the_schedule_is_read_in_the_given_zone() -> None:
    # 03:00 in Paris is 02:00 UTC in December.
    last = datetime(2026, 12, 1, 2, 0, 2, tzinfo=UTC)
    fire = _missed("0 3 * * *", last, tz="Europe/Paris", within=SIX_HOURS * 2)
    assert fire == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
