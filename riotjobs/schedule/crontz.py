"""Which time zone cron really evaluates riotjobs' schedules in.

riotjobs' crontab block sets ``CRON_TZ=UTC``. cronie (``crond``, Red Hat and Arch) honours it;
Debian's and Ubuntu's cron (``cron``, vixie-cron 3.0) and busybox crond ignore it and use the
host's zone. On such a host outside UTC the jobs fire at the schedule's hour in *host* time, so
``cron status`` says so and when each job will really fire.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def host_zone(localtime: Path = Path("/etc/localtime")) -> str:
    """The system's zone name (what the cron daemon uses), ``UTC`` when it cannot be told."""
    real = os.path.realpath(localtime)
    if "zoneinfo/" in real:
        return real.split("zoneinfo/", 1)[1]
    timezone = Path("/etc/timezone")
    if timezone.is_file():
        return timezone.read_text(encoding="utf-8").strip() or "UTC"
    return "UTC"


def honours_cron_tz(daemon_names: list[str]) -> bool | None:
    """Whether the running daemon applies CRON_TZ: cronie's ``crond`` does, Debian's ``cron``
    does not; None when no daemon is seen (then Debian-family hosts are assumed not to)."""
    if "crond" in daemon_names and not Path("/etc/debian_version").exists():
        return True
    if "cron" in daemon_names or Path("/etc/debian_version").exists():
        return False
    return None


@dataclass(frozen=True)
class ZoneNote:
    zone: str
    honoured: bool | None
    next_fire: dict[str, str]  # job -> next fire time in UTC, as the daemon will evaluate it

    @property
    def applies(self) -> bool:
        """The schedules will not fire at their UTC times."""
        return self.honoured is not True and self.zone not in ("UTC", "Etc/UTC", "Universal")

    def describe(self) -> str:
        return (
            f"this cron daemon ignores CRON_TZ=UTC and the host's zone is {self.zone}: "
            "schedules fire at host time, not UTC (set the host to UTC, or write the schedules "
            "in host time)"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "host_zone": self.zone,
            "cron_tz_honoured": self.honoured,
            "schedules_in_utc": not self.applies,
            "next_fire_utc": dict(self.next_fire) if self.applies else {},
        }


def zone_note(
    *, schedules: dict[str, str], daemon_names: list[str], now: datetime | None = None
) -> ZoneNote:
    """When each job's schedule will really fire (next time, in UTC) on this host."""
    from croniter import croniter

    zone = host_zone()
    honoured = honours_cron_tz(daemon_names)
    now = now or datetime.now(UTC)
    fires: dict[str, str] = {}
    try:
        info = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        info = None
    for job, schedule in sorted(schedules.items()):
        if info is None:
            break
        try:
            local = croniter(schedule, now.astimezone(info)).get_next(datetime)
        except (ValueError, KeyError):
            continue
        fires[job] = local.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return ZoneNote(zone, honoured, fires)
