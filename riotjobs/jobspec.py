"""What a job of jobs.yaml says, once validated: plain frozen values, and the vocabulary
(priorities, bounds) shared with the schema that checks a file (``riotjobs.jobschema``).

Plain dataclasses rather than pydantic models so that the commands that only read the jobs
(``status``, ``history``, the Riot client's lanes) never import pydantic: ``riotjobs.config``
validates once and can hand these back from its cache.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from pydantic import BaseModel

JOB_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Five plain cron fields. Anything else (newlines, quotes, `@reboot`, extra words) could smuggle
# commands or extra lines into a crontab, so it is refused before croniter even sees it.
_CRON_FIELD = r"[0-9A-Za-z*/,\-]+"
CRON_RE = re.compile(rf"^{_CRON_FIELD}( {_CRON_FIELD}){{4}}$")

AlertFormat = Literal["slack", "discord", "generic"]

# A run longer than a day is a stuck run, and larger values overflowed the database's integer.
MAX_TIMEOUT_S = 24 * 3600
# How many times its job's trailing median a successful run may take before it is marked slow.
DEFAULT_SLOW_FACTOR = 3.0

# Priority lanes of the shared rate limiter (README: Priorities), highest first.
Priority = Literal["high", "normal", "low"]
PRIORITIES: tuple[Priority, ...] = ("high", "normal", "low")
# A task's lane unless jobs.yaml says otherwise; tasks not named here are normal.
TASK_PRIORITIES: dict[str, Priority] = {
    "update_tracked_players": "high",
    "check_bans": "high",
    "fetch_discovered_matches": "low",
}
# The share of every rate-limit window that only the high lane may use.
DEFAULT_RESERVE = 0.2

# catch_up.within: a missed fire time older than this is left alone (anacron's staleness rule).
# A minute at least (cron's resolution), a week at most (older misses are not "missed runs").
MIN_CATCH_UP = timedelta(minutes=1)
MAX_CATCH_UP = timedelta(days=7)


class TaskRegistry(Protocol):
    """What jobs.yaml is validated against: the task names there are, and the merged config
    model of a list of tasks. ``riotjobs.tasks.REGISTRY`` is the real one; config sits below the
    tasks layer, so it is handed in rather than imported."""

    def names(self) -> Collection[str]: ...

    def config_model(self, names: Sequence[str]) -> type[BaseModel]: ...


@dataclass(frozen=True)
class CatchUp:
    """``catch_up: {within: 6h}``: run a missed scheduled run once, if it is that recent."""

    within: timedelta


@dataclass(frozen=True)
class Defaults:
    """``defaults:``: what a job that does not say otherwise gets."""

    timeout: int | None = None
    # Webhook body shape and how many consecutive bad runs open an alert (riotjobs.ops.alerts).
    alert_format: AlertFormat = "slack"
    alert_after_failures: int = 1
    slow_factor: float = DEFAULT_SLOW_FACTOR
    reserve: float = DEFAULT_RESERVE


@dataclass(frozen=True)
class JobSpec:
    """One job of jobs.yaml: a named, scheduled list of tasks and their shared config block.
    ``None`` means "as ``defaults:`` says" for the alert settings and the slow factor."""

    schedule: str
    tasks: list[str]
    name: str | None = None
    description: str | None = None
    enabled: bool = True
    timeout: int | None = None
    alert_format: AlertFormat | None = None
    alert_after_failures: int | None = None
    slow_factor: float | None = None
    catch_up: CatchUp | None = None  # None: a missed run waits for the next tick
    priority: Priority | dict[str, Priority] | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``catch_up.within`` in seconds) that ``from_json`` reads back."""
        doc = asdict(self)
        if self.catch_up is not None:
            doc["catch_up"] = {"within": self.catch_up.within.total_seconds()}
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> JobSpec:
        values = dict(doc)
        within = (values.pop("catch_up", None) or {}).get("within")
        catch_up = CatchUp(timedelta(seconds=float(within))) if within is not None else None
        return cls(**values, catch_up=catch_up)
