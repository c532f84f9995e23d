"""Operator state of jobs kept in the database: enabled/disabled and typed config overrides.

jobs.yaml stays the source of schedules and defaults; a ``job_configurations`` row overrides
``enabled`` (NULL means "follow jobs.yaml") and individual config values. Changes take effect at
the next run, with no crontab edit. The functions take the caller's session and do not commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from riotjobs.errors import ConfigError, UsageError

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from riotjobs.config import Job, JobsConfig

_UPSERT = """
INSERT INTO job_configurations (job_id, enabled, overrides, updated_at)
VALUES (:job_id, :enabled, CAST(:overrides AS jsonb), now())
ON CONFLICT (job_id) DO UPDATE SET {assign}, updated_at = now()
"""
_STATES = "SELECT job_id, enabled, overrides FROM job_configurations"


@dataclass(frozen=True)
class JobState:
    """A job's effective state: jobs.yaml's ``enabled`` unless the database overrides it."""

    enabled: bool
    enabled_override: bool | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


def _jobs(jobs: JobsConfig | Iterable[Job]) -> list[Job]:
    from riotjobs.config import JobsConfig

    return list(jobs.jobs.values()) if isinstance(jobs, JobsConfig) else list(jobs)


def resolve_state(job: Job, enabled: bool | None, overrides: Any) -> JobState:
    """The effective state from a stored row's values (None, None when there is no row)."""
    effective = job.spec.enabled if enabled is None else bool(enabled)
    return JobState(effective, enabled, dict(overrides or {}))


def state_of(*, conn: Connection | Session, job: Job) -> JobState:
    """One job's state (the runner's fast path: one indexed read, no ORM)."""
    from sqlalchemy import text

    row = conn.execute(
        text("SELECT enabled, overrides FROM job_configurations WHERE job_id = :id"),
        {"id": job.id},
    ).first()
    return resolve_state(job, *(row if row is not None else (None, None)))


def load_states(*, session: Session, jobs: JobsConfig | Iterable[Job]) -> dict[str, JobState]:
    """The state of every given job, keyed by job id."""
    from sqlalchemy import text

    return _states(jobs, session.execute(text(_STATES)))


def read_states(
    *, conn: psycopg.Connection[Any], jobs: JobsConfig | Iterable[Job]
) -> dict[str, JobState]:
    """``load_states`` on a plain psycopg connection (the read commands load no SQLAlchemy)."""
    return _states(jobs, conn.execute(_STATES))


def _states(jobs: JobsConfig | Iterable[Job], rows: Iterable[Any]) -> dict[str, JobState]:
    from riotjobs.config import JobsConfig

    stored = {row[0]: (row[1], row[2]) for row in rows}
    states = {job.id: resolve_state(job, *stored.get(job.id, (None, None))) for job in _jobs(jobs)}
    # A misconfigured job still has a state: the read commands show it.
    for broken in jobs.broken.values() if isinstance(jobs, JobsConfig) else ():
        enabled, overrides = stored.get(broken.id, (None, None))
        effective = broken.enabled if enabled is None else bool(enabled)
        states[broken.id] = JobState(effective, enabled, dict(overrides or {}))
    return states


def set_enabled(
    *, session: Session, jobs: JobsConfig, job_ids: Iterable[str], enabled: bool
) -> dict[str, JobState]:
    """Enable or disable jobs (unknown ids raise ``UnknownJobError`` before anything changes)."""
    from sqlalchemy import text

    targets = [jobs.get(job_id) for job_id in dict.fromkeys(job_ids)]
    statement = text(_UPSERT.format(assign="enabled = EXCLUDED.enabled"))
    for job in targets:
        session.execute(statement, {"job_id": job.id, "enabled": enabled, "overrides": "{}"})
    return load_states(session=session, jobs=targets)


MAX_VALUE_CHARS = 1000


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``KEY=VALUE`` arguments as a dict; a malformed one raises ``UsageError``."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"expected KEY=VALUE, got {pair[:60]!r}")
        if len(value) > MAX_VALUE_CHARS:
            raise UsageError(
                f"{key.strip()[:60]}: the value is longer than {MAX_VALUE_CHARS} characters"
            )
        result[key.strip()] = value
    return result


def _scalar(key: str, raw: str) -> Any:
    """A YAML value: a scalar, or a flow mapping or list for keys that take one (e.g.
    ``score_weights={kda: 2}``); the config model decides what fits."""
    from pathlib import Path

    from riotjobs import yamlfile

    if len(raw) > MAX_VALUE_CHARS:
        raise UsageError(f"{key}: the value is longer than {MAX_VALUE_CHARS} characters")
    if not raw.strip():
        return raw
    try:
        value, _, problems = yamlfile.load(Path(key), raw)
    except ConfigError as exc:
        reason = str(exc).split(": ", 1)[-1].splitlines()[0]
        raise UsageError(f"{key}: cannot parse the value as YAML: {reason}") from None
    if problems:
        raise UsageError(f"{key}: the value has a duplicate key")
    return value


def set_overrides(
    *, session: Session, job: Job, assignments: Mapping[str, str], unset: Iterable[str]
) -> dict[str, Any]:
    """Store typed config overrides for ``job`` and return the job's overrides afterwards.

    Values are parsed as YAML scalars and validated against the job's tasks' config model; an
    unknown key or a bad value raises ``UsageError`` (exit 2) naming the allowed keys.
    """
    from sqlalchemy import text

    allowed = job.config_keys()
    unset = list(unset)
    for key in [*assignments, *unset]:
        if key not in allowed:
            raise UsageError(
                f"job {job.id}: unknown key {key!r}; allowed keys: {', '.join(allowed)}"
            )
    current = state_of(conn=session, job=job).overrides
    parsed = {key: _scalar(key, raw) for key, raw in assignments.items()}
    merged = {k: v for k, v in {**current, **parsed}.items() if k not in unset or k in parsed}
    try:
        model = job.effective_config(merged)
    except UsageError as exc:
        raise UsageError(f"{exc}; allowed keys: {', '.join(allowed)}") from None
    typed = model.model_dump(mode="json")
    stored = {key: typed[key] for key in merged}
    session.execute(
        text(_UPSERT.format(assign="overrides = EXCLUDED.overrides")),
        {"job_id": job.id, "enabled": None, "overrides": json.dumps(stored)},
    )
    return stored
