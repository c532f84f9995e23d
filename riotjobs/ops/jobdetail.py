"""`riotjobs jobs show JOB`: one job's merged configuration, its 24 h figures and recent runs.

Each config value says where it comes from: the task's ``default``, ``jobs.yaml``, or a
``database`` override set with `riotjobs jobs set`; the enabled state likewise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from riotjobs.errors import UsageError
from riotjobs.ops.status import Execution, JobRow, rows_at, utcnow
from riotjobs.runs import queries as q

if TYPE_CHECKING:
    import psycopg

    from riotjobs.config import Job, JobsConfig


@dataclass(frozen=True)
class ConfigValue:
    key: str
    value: Any
    source: str  # default | jobs.yaml | database
    yaml_value: Any = None  # what jobs.yaml says when a database override replaces it

    def to_json(self) -> dict[str, Any]:
        doc = {"value": self.value, "source": self.source, "overridden": self.source == "database"}
        if self.source == "database":
            doc["yaml_value"] = self.yaml_value
        return doc


@dataclass(frozen=True)
class JobDetail:
    row: JobRow
    description: str | None
    tasks: list[str]
    config: list[ConfigValue]
    config_error: str | None  # overrides that no longer validate (e.g. after a yaml change)
    yaml_enabled: bool
    recent: list[Execution]

    def to_json(self) -> dict[str, Any]:
        doc = self.row.to_json()
        doc.update(
            {
                "description": self.description,
                "tasks": list(self.tasks),
                "yaml_enabled": self.yaml_enabled,
                "config": {c.key: c.to_json() for c in self.config},
                "config_error": self.config_error,
                "stats_24h": self.row.stats_24h.to_json(),
                "recent": [e.to_json() for e in self.recent],
            }
        )
        return doc


def _config(job: Job, overrides: dict[str, Any]) -> tuple[list[ConfigValue], str | None]:
    error = None
    try:
        values = job.effective_config(overrides).model_dump(mode="json")
    except UsageError as exc:
        error = str(exc)
        defaults = {
            key: (None if f.is_required() else f.get_default(call_default_factory=True))
            for key, f in job.config_model.model_fields.items()
        }
        values = {**defaults, **job.spec.config, **overrides}
    result = []
    for key in sorted(values):
        if key in overrides:
            source = "database"
        elif key in job.spec.config:
            source = "jobs.yaml"
        else:
            source = "default"
        result.append(ConfigValue(key, values[key], source, job.spec.config.get(key)))
    return result, error


def job_detail(
    *,
    conn: psycopg.Connection[Any],
    jobs: JobsConfig,
    job_id: str,
    recent: int = 10,
    now: datetime | None = None,
) -> JobDetail:
    """The job's merged config (raises ``UnknownJobError`` for an unknown id), 24 h stats and
    its newest runs."""
    from riotjobs.runs.jobstate import read_states

    job = jobs.get(job_id)
    now = now or utcnow()
    (row,) = [r for r in rows_at(conn, jobs, now) if r.job == job_id]
    state = read_states(conn=conn, jobs=[job]).get(job_id)
    runs = q.history(conn, job_id=job_id, limit=recent)
    config, error = _config(job, dict(state.overrides or {}) if state is not None else {})
    return JobDetail(
        row=row,
        description=job.spec.description,
        tasks=list(job.spec.tasks),
        config=config,
        config_error=error,
        yaml_enabled=job.spec.enabled,
        recent=runs,
    )
