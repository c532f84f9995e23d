"""jobs.yaml, validated against a task registry it is given into plain ``riotjobs.jobspec``
values.

The file is parsed with line marks so that every validation error names the file, the line and
the key; all of a file's problems raise one ``ConfigError`` (exit 78), one line each, or, with
``keep_broken``, a job with problems of its own is kept aside (``BrokenJob``) and the others
load. ``load_jobs_for`` (what commands and runs use) keeps the result in ``riotjobs.jobcache``
while the file and the code are unchanged. The process's settings (environment and env file)
are ``riotjobs.settings``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riotjobs import jobcache, yamlfile
from riotjobs.errors import ConfigError, UnknownJobError, UsageError
from riotjobs.jobspec import (
    CRON_RE,
    JOB_ID_RE,
    TASK_PRIORITIES,
    AlertFormat,
    Defaults,
    JobSpec,
    Priority,
    TaskRegistry,
)
from riotjobs.settings import Settings

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError


class Job:
    """A validated job: its spec, its settings resolved against ``defaults:`` (timeout, alert
    format and threshold, slow factor) and the typed model of its config."""

    def __init__(
        self,
        job_id: str,
        spec: JobSpec,
        timeout: int,
        *,
        registry: TaskRegistry,
        defaults: Defaults | None = None,
    ) -> None:
        defaults = defaults or Defaults()
        self.registry = registry
        self.id = job_id
        self.spec = spec
        self.timeout = timeout
        self.alert_format: AlertFormat = spec.alert_format or defaults.alert_format
        self.alert_after_failures: int = spec.alert_after_failures or defaults.alert_after_failures
        self.slow_factor: float = spec.slow_factor or defaults.slow_factor
        self.reserve: float = defaults.reserve

    def priority_of(self, task: str) -> Priority:
        """The limiter lane of one of the job's tasks: jobs.yaml's, else the task's default."""
        given = self.spec.priority
        if isinstance(given, str):
            return given
        if given is not None and task in given:
            return given[task]
        return TASK_PRIORITIES.get(task, "normal")

    @property
    def name(self) -> str:
        return self.spec.name or self.id

    @cached_property
    def config_model(self) -> type[BaseModel]:
        return self.registry.config_model(self.spec.tasks)

    def config_keys(self) -> list[str]:
        return sorted(self.config_model.model_fields)

    def effective_config(self, overrides: Mapping[str, Any] | None = None) -> BaseModel:
        """Task defaults, then jobs.yaml, then database overrides; validated and typed."""
        from pydantic import ValidationError

        merged = {**self.spec.config, **(overrides or {})}
        try:
            return self.config_model.model_validate(merged)
        except ValidationError as exc:
            raise UsageError(f"job {self.id}: " + _describe(exc, self.config_keys())) from None


@dataclass(frozen=True)
class BrokenJob:
    """A job of jobs.yaml that does not validate (a schedule that never fires, a timeout out of
    range, an unknown task...): kept aside so that the other jobs still load, and shown as
    misconfigured. ``schedule``, ``name`` and ``enabled`` are what the file says, when readable.
    """

    id: str
    problems: tuple[str, ...]
    name: str
    schedule: str | None = None
    enabled: bool = True

    @property
    def message(self) -> str:
        """One line: the job and every problem it has, each with its file and line."""
        return f"job {self.id} is misconfigured: " + "; ".join(self.problems)


class JobsConfig:
    """All jobs of one jobs.yaml file; ``broken`` holds the jobs that did not validate (only
    :func:`load_jobs` with ``keep_broken`` fills it)."""

    def __init__(
        self,
        path: Path,
        jobs: dict[str, Job],
        defaults: Defaults | None = None,
        broken: dict[str, BrokenJob] | None = None,
    ) -> None:
        self.path = path
        self.jobs = jobs
        self.defaults = defaults or Defaults()
        self.broken = broken or {}

    def knows(self, job_id: str) -> bool:
        """Whether jobs.yaml defines ``job_id``, valid or not."""
        return job_id in self.jobs or job_id in self.broken

    def get(self, job_id: str) -> Job:
        """The valid job ``job_id``. A misconfigured one raises ``ConfigError`` (exit 78) with its
        problems; an unknown one ``UnknownJobError`` (exit 2) with a "did you mean"."""
        if job_id in self.broken:
            raise ConfigError(
                f"{self.broken[job_id].message} (`riotjobs check` lists every problem)"
            )
        try:
            return self.jobs[job_id]
        except KeyError:
            from difflib import get_close_matches

            close = get_close_matches(job_id[:100], self.jobs, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            known = ", ".join(sorted(self.jobs)) or "none"
            raise UnknownJobError(
                f"unknown job {job_id[:100]!r}: {hint}(jobs in {self.path}: {known})"
            ) from None


def _describe(exc: ValidationError, allowed: list[str]) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown key {key!r}; allowed keys: {', '.join(allowed)}")
        else:
            parts.append(f"{key}: {err['msg']}")
    return "; ".join(parts)


def load_jobs(
    path: Path, *, registry: TaskRegistry, default_timeout: int = 90, keep_broken: bool = False
) -> JobsConfig:
    """Parse and validate a jobs.yaml against the given tasks. Raises ``ConfigError`` listing
    every problem at once, one ``file:line: key: message`` line each.

    With ``keep_broken``, a problem that belongs to one job (its id, its keys, its config) does
    not raise: that job goes to ``JobsConfig.broken`` and the others load, so that one bad job
    cannot stop the others from running or being monitored. Problems of the file as a whole
    (YAML syntax, ``defaults:``, unknown top-level keys) still raise.
    """
    text = yamlfile.read_text(path, "jobs file")
    return _validated(path, text, registry, default_timeout, keep_broken)


def _validated(
    path: Path, text: str, registry: TaskRegistry, default_timeout: int, keep_broken: bool
) -> JobsConfig:
    from pydantic import ValidationError

    from riotjobs.jobschema import DefaultsModel, JobsFileModel, JobSpecModel

    raw, lines, problems = yamlfile.load(path, text)
    if not isinstance(raw, dict):
        what = "empty" if raw is None else "not a mapping"
        raise ConfigError(
            f"{path}:1: the jobs file is {what}; it needs a top-level 'jobs:' mapping"
        )
    context = {"registry": registry}
    try:
        JobsFileModel.model_validate({**raw, "defaults": {}, "jobs": {}}, context=context)
    except ValidationError as exc:
        problems += _located(path, exc, lines, prefix=())
    checked = _valid(DefaultsModel, raw.get("defaults") or {}, path, lines, ("defaults",), problems)
    defaults = checked.to_plain() if checked is not None else None
    entries = raw.get("jobs")
    if not isinstance(entries, dict):
        line = yamlfile.line_of(lines, ("jobs",))
        problems.append(f"{path}:{line}: jobs: required: a mapping of job id to job")
    entries = entries if isinstance(entries, dict) else {}
    # Duplicate keys inside a job (or a job defined twice) belong to that job.
    per_job: dict[str, list[str]] = {}
    for problem in list(problems):
        owner = _owner(path, problem, entries)
        if owner is not None:
            problems.remove(problem)
            per_job.setdefault(owner, []).append(problem)
    jobs: dict[str, Job] = {}
    for job_id, spec_raw in entries.items():
        where = ("jobs", str(job_id))
        found = per_job.setdefault(str(job_id), [])
        if not JOB_ID_RE.match(str(job_id)):
            line = yamlfile.line_of(lines, where)
            found.append(f"{path}:{line}: jobs.{job_id}: job id must match {JOB_ID_RE.pattern}")
        model = _valid(JobSpecModel, spec_raw, path, lines, where, found, context)
        if model is None:
            continue
        spec: JobSpec = model.to_plain()
        timeout = spec.timeout or (defaults.timeout if defaults else None) or default_timeout
        job = Job(str(job_id), spec, timeout, registry=registry, defaults=defaults)
        if _valid(job.config_model, spec.config, path, lines, (*where, "config"), found):
            jobs[str(job_id)] = job
    # An id that is not printable is kept in its escaped form: it is shown, never typed.
    broken = {
        shown.id: shown
        for job_id, found in per_job.items()
        if found
        for shown in [_broken(_printable(job_id), found, entries.get(job_id))]
    }
    if not keep_broken:
        problems += [p for b in broken.values() for p in b.problems]
    if problems:
        raise ConfigError("\n".join(sorted(set(problems), key=yamlfile.by_line)))
    for job_id in per_job:
        if per_job[job_id]:
            jobs.pop(job_id, None)
    return JobsConfig(path, jobs, defaults, broken)


def _printable(text: str) -> str:
    return text if text.isprintable() else repr(text)[1:-1]


def _owner(path: Path, problem: str, entries: dict[Any, Any]) -> str | None:
    """The job a ``file:line: jobs.ID...: message`` problem is about, if it is one of them."""
    match = re.match(rf"{re.escape(str(path))}:\d+: jobs\.([^.:]+)[.:]", problem)
    return match.group(1) if match and match.group(1) in map(str, entries) else None


def _broken(job_id: str, problems: list[str], raw: Any) -> BrokenJob:
    """What can be read of a job that does not validate, for the read commands to show."""
    raw = raw if isinstance(raw, dict) else {}
    name, schedule, enabled = raw.get("name"), raw.get("schedule"), raw.get("enabled", True)
    # Only what is safe to print: a schedule of five plain fields, a name without control
    # characters; anything else is not shown at all.
    shown = schedule.strip() if isinstance(schedule, str) else ""
    return BrokenJob(
        id=job_id,
        problems=tuple(sorted(set(problems), key=yamlfile.by_line)),
        name=name if isinstance(name, str) and name.isprintable() and name else job_id,
        schedule=shown if CRON_RE.match(shown) else None,
        enabled=enabled if isinstance(enabled, bool) else True,
    )


def _valid(
    model: type[BaseModel],
    value: Any,
    path: Path,
    lines: dict[Path_, int],
    prefix: Path_,
    problems: list[str],
    context: dict[str, Any] | None = None,
) -> Any:
    """``model`` validated from ``value``, or None after adding its problems to ``problems``."""
    from pydantic import ValidationError

    try:
        return model.model_validate(value, context=context)
    except ValidationError as exc:
        problems += _located(path, exc, lines, prefix=prefix)
        return None


def load_jobs_for(settings: Settings, *, registry: TaskRegistry) -> JobsConfig:
    """The jobs.yaml in force, for commands and runs: a job with a problem of its own is kept
    aside in ``broken`` (``get`` refuses it with exit 78) and the others load.

    A file validated before, unchanged and with the same code, comes from ``jobcache``; a file
    with problems of the file as a whole is never cached (it raises every time)."""
    path = settings.jobs_file()
    text = yamlfile.read_text(path, "jobs file")
    fingerprint = getattr(registry, "fingerprint", None)
    if fingerprint is None:  # a registry that cannot say when its code changed: no cache
        return _validated(path, text, registry, settings.job_timeout, True)
    wanted = jobcache.key(str(path), text, str(settings.job_timeout), fingerprint())
    doc = jobcache.get(path, wanted)
    if doc is not None:
        try:
            return _from_doc(path, doc, registry)
        except (KeyError, TypeError, ValueError):  # not what this code wrote: validate again
            pass
    jobs = _validated(path, text, registry, settings.job_timeout, True)
    jobcache.put(path, wanted, _to_doc(jobs))
    return jobs


def _to_doc(jobs: JobsConfig) -> dict[str, Any]:
    return {
        "defaults": dataclasses.asdict(jobs.defaults),
        "jobs": {i: {"spec": j.spec.to_json(), "timeout": j.timeout} for i, j in jobs.jobs.items()},
        "broken": [dataclasses.asdict(b) for b in jobs.broken.values()],
    }


def _from_doc(path: Path, doc: dict[str, Any], registry: TaskRegistry) -> JobsConfig:
    defaults = Defaults(**doc["defaults"])
    jobs = {
        job_id: Job(
            job_id,
            JobSpec.from_json(entry["spec"]),
            int(entry["timeout"]),
            registry=registry,
            defaults=defaults,
        )
        for job_id, entry in doc["jobs"].items()
    }
    broken = [BrokenJob(**{**b, "problems": tuple(b["problems"])}) for b in doc["broken"]]
    return JobsConfig(path, jobs, defaults, {b.id: b for b in broken})


Path_ = tuple[str, ...]


def _located(path: Path, exc: ValidationError, lines: dict[Path_, int], prefix: Path_) -> list[str]:
    messages = []
    for err in exc.errors():
        loc = prefix + tuple(str(p) for p in err["loc"])
        if loc and loc[-1] in {"function-after", "function-before"}:
            loc = loc[:-1]
        line = yamlfile.line_of(lines, loc)
        key = ".".join(loc) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        messages.append(f"{path}:{line}: {key}: {msg}")
    return messages
