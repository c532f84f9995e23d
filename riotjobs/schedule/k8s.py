"""`riotjobs export k8s`: Kubernetes CronJob manifests for the enabled jobs.

One ConfigMap carries the jobs.yaml in force (mounted at ``/etc/riotjobs/jobs.yaml``), and one
CronJob per enabled job runs ``riotjobs run JOB --trigger cron`` in UTC with
``concurrencyPolicy: Forbid``. The Riot API key and the database URL come from a Secret, never
from the manifest. Kubernetes' Forbid only covers one CronJob object: the database lock still
guarantees a single run when cron on a host and the cluster overlap.

A job's ``catch_up: {within: …}`` becomes its ``startingDeadlineSeconds``: the CronJob
controller starts a schedule it missed (controller down, cluster upgrade) if it is at most that
old, and only the most recent one, so a missed run happens once, as with ``riotjobs catch-up`` on
a host. Such a run is recorded with trigger ``cron``: Kubernetes does not tell the pod it is late.
(A frequent schedule with a long window can count over 100 missed ticks; the controller then
emits a ``TooManyMissedTimes`` event and still starts the latest one.)
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riotjobs.config import JobsConfig

CONFIG_DIR = "/etc/riotjobs"
DEADLINE_MARGIN_S = 60  # lets the runner record a timeout before Kubernetes kills the pod
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
MAX_CRONJOB_NAME = 52  # Kubernetes appends 11 characters for the Jobs it creates


@dataclass(frozen=True)
class ExportOptions:
    image: str = "riotjobs:latest"
    namespace: str = "riotjobs"
    secret: str = "riotjobs"
    successful_history: int = 3
    failed_history: int = 5


def resource_name(job_id: str) -> str:
    """``riotjobs-<job-id>`` in RFC 1123 form, shortened with a hash when too long."""
    name = "riotjobs-" + job_id.replace("_", "-")
    if len(name) > MAX_CRONJOB_NAME:
        digest = hashlib.sha256(job_id.encode()).hexdigest()[:6]
        name = name[: MAX_CRONJOB_NAME - 7].rstrip("-") + "-" + digest
    if not _NAME_RE.match(name):
        raise ValueError(f"cannot make a Kubernetes name from job id {job_id!r}")
    return name


def starting_deadline(schedule: str) -> int:
    """Half the shortest gap between ticks, between 30 s and 10 min: a start that late is
    dropped rather than run on top of the next tick."""
    from croniter import croniter

    ticks = croniter(schedule, datetime(2025, 1, 1, tzinfo=UTC))
    moments = [ticks.get_next(datetime) for _ in range(8)]
    gap = min((b - a).total_seconds() for a, b in itertools.pairwise(moments))
    return int(max(30, min(600, gap // 2)))


def _labels(job_id: str | None = None) -> dict[str, str]:
    labels = {"app.kubernetes.io/name": "riotjobs", "app.kubernetes.io/managed-by": "riotjobs"}
    if job_id is not None:
        labels["riotjobs/job"] = job_id.replace("_", "-")
    return labels


def _secret(var: str, opts: ExportOptions) -> dict[str, Any]:
    return {"name": var, "valueFrom": {"secretKeyRef": {"name": opts.secret, "key": var}}}


def _optional_secret(var: str, opts: ExportOptions) -> dict[str, Any]:
    """A Secret key the pod may lack: the dead-man's-switch ping URLs are optional."""
    ref = _secret(var, opts)
    ref["valueFrom"]["secretKeyRef"]["optional"] = True
    return ref


def cronjob(
    job_id: str,
    schedule: str,
    timeout: int,
    opts: ExportOptions,
    *,
    catch_up_s: int | None = None,
) -> dict[str, Any]:
    from riotjobs.settings import PING_URL, ping_setting

    deadline = starting_deadline(schedule)
    if catch_up_s is not None:
        deadline = max(deadline, catch_up_s)
    container = {
        "name": "riotjobs",
        "image": opts.image,
        "command": ["riotjobs", "run", job_id, "--trigger", "cron"],
        "env": [
            _secret("RIOT_API_KEY", opts),
            _secret("RIOTJOBS_DATABASE_URL", opts),
            _optional_secret(PING_URL, opts),
            _optional_secret(ping_setting(job_id), opts),
            {"name": "RIOTJOBS_CONFIG", "value": f"{CONFIG_DIR}/jobs.yaml"},
        ],
        "volumeMounts": [{"name": "jobs-yaml", "mountPath": CONFIG_DIR, "readOnly": True}],
    }
    pod = {
        "restartPolicy": "Never",
        "containers": [container],
        "volumes": [{"name": "jobs-yaml", "configMap": {"name": "riotjobs-jobs"}}],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": resource_name(job_id),
            "namespace": opts.namespace,
            "labels": _labels(job_id),
        },
        "spec": {
            "schedule": schedule,
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": deadline,
            "successfulJobsHistoryLimit": opts.successful_history,
            "failedJobsHistoryLimit": opts.failed_history,
            "jobTemplate": {
                "metadata": {"labels": _labels(job_id)},
                "spec": {
                    "activeDeadlineSeconds": timeout + DEADLINE_MARGIN_S,
                    # A failed run is recorded; the next tick is the retry.
                    "backoffLimit": 0,
                    "template": {"metadata": {"labels": _labels(job_id)}, "spec": pod},
                },
            },
        },
    }


def manifests(*, jobs: JobsConfig, enabled: dict[str, bool], opts: ExportOptions) -> str:
    """Multi-document YAML: the jobs.yaml ConfigMap, then one CronJob per enabled job; a
    comment names each misconfigured job, left out."""
    import json

    import yaml

    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "riotjobs-jobs", "namespace": opts.namespace, "labels": _labels()},
            "data": {"jobs.yaml": jobs.path.read_text(encoding="utf-8")},
        }
    ]
    for job_id in sorted(jobs.jobs):
        if enabled.get(job_id, jobs.jobs[job_id].spec.enabled):
            job = jobs.jobs[job_id]
            catch_up = job.spec.catch_up
            within = int(catch_up.within.total_seconds()) if catch_up is not None else None
            docs.append(cronjob(job_id, job.spec.schedule, job.timeout, opts, catch_up_s=within))

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    # A misconfigured job gets no CronJob, but the output says so. JSON quoting keeps an id
    # with a newline from writing YAML of its own.
    notes = "".join(
        f"# left out, misconfigured (riotjobs check): job {json.dumps(job_id)[:100]}\n"
        for job_id in sorted(jobs.broken)
    )
    return notes + yaml.dump_all(docs, Dumper=Dumper, sort_keys=False, explicit_start=True)
