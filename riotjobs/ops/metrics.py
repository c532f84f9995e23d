"""Prometheus text exposition of job health and pipeline size, for node_exporter's textfile
collector (``riotjobs metrics --output /var/lib/node_exporter/textfile/riotjobs.prom``).

Per job: the last status (one-hot over every status), the last success time, the last run's
duration, runs by status and API requests over the last 24 h. Per job and endpoint: Riot API
requests and 429s by type, as counters since the database was created (``api_usage_totals``).
Pipeline: players tracked, discovered, analyzed, flagged as smurfs and banned; open incidents
and undelivered notifications. The execution queries are the status module's
(``riotjobs.runs.queries``).

Label values come from small fixed sets, never from data: ``job`` is a job id, ``endpoint`` one
of the client's endpoint names (``riotjobs.riot.routing``; anything else is ``other``), ``type``
one of application, method, service, untyped, ``status`` a run status. No puuid, match id or
routing value is ever a label, so the series count does not grow with players or matches.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[Any]

WINDOW = timedelta(hours=24)

_PIPELINE_SQL = """
SELECT
  (SELECT count(*) FROM players WHERE is_tracked) AS tracked,
  (SELECT count(*) FROM players WHERE NOT is_tracked) AS discovered,
  (SELECT count(*) FROM players WHERE is_analyzed) AS analyzed,
  (SELECT count(*) FROM (
      SELECT DISTINCT ON (puuid) is_smurf FROM player_analysis
      ORDER BY puuid, analyzed_at DESC, id DESC
   ) latest WHERE is_smurf) AS smurfs,
  (SELECT count(*) FROM players WHERE is_banned) AS banned,
  (SELECT count(DISTINCT job_id) FROM job_incidents WHERE closed_at IS NULL) AS open_incidents,
  (SELECT count(*) FROM notifications WHERE delivered_at IS NULL) AS pending_notifications
"""


class _Family:
    """One metric family: HELP, TYPE and its samples."""

    def __init__(self, name: str, kind: str, help_text: str) -> None:
        self.name = name
        self.lines = [f"# HELP {name} {_escape_help(help_text)}", f"# TYPE {name} {kind}"]

    def add(self, value: float, **labels: str) -> None:
        label_text = ",".join(f'{key}="{_escape_label(val)}"' for key, val in labels.items())
        suffix = "{" + label_text + "}" if label_text else ""
        self.lines.append(f"{self.name}{suffix} {_number(value)}")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def render(
    *,
    conn: Connection,
    job_ids: Sequence[str],
    misconfigured: Sequence[str] = (),
    now: datetime | None = None,
) -> str:
    """The exposition text for the jobs of jobs.yaml plus any job that ran in the last 24 h,
    read through a plain psycopg connection like the other read commands. ``misconfigured``
    jobs (their jobs.yaml entry does not validate) get ``riotjobs_job_misconfigured 1``."""
    now = now or datetime.now(UTC)
    lines = list(_families(conn, [*job_ids, *misconfigured], now))
    family = _Family(
        "riotjobs_job_misconfigured",
        "gauge",
        "1 when the job's entry in jobs.yaml does not validate: it cannot run (riotjobs check).",
    )
    for job in sorted({*job_ids, *misconfigured}):
        family.add(1 if job in misconfigured else 0, job=job)
    return "\n".join([*lines, *family.lines]) + "\n"


def _families(conn: Connection, configured: Sequence[str], now: datetime) -> Iterable[str]:
    from riotjobs.db.vocab import Status
    from riotjobs.runs import queries as _queries

    window = _queries.window_stats(conn, since=now - WINDOW, until=now + timedelta(seconds=1))
    job_ids = sorted(set(configured) | set(window))
    latest = _queries.latest_per_job(conn, job_ids)
    finished = _queries.latest_per_job(conn, job_ids, outcome_only=True)

    last_status = _Family(
        "riotjobs_job_last_status", "gauge", "1 for the status of the job's newest execution."
    )
    last_success = _Family(
        "riotjobs_job_last_success_timestamp_seconds",
        "gauge",
        "Unix time at which the job's newest successful run finished.",
    )
    last_duration = _Family(
        "riotjobs_job_last_duration_seconds",
        "gauge",
        "Duration of the job's newest run that ended (neither running, skipped nor cancelled).",
    )
    runs = _Family(
        "riotjobs_job_runs_24h", "gauge", "Executions started in the last 24 h, by status."
    )
    api = _Family(
        "riotjobs_job_api_requests_24h",
        "gauge",
        "Riot API requests made by executions started in the last 24 h.",
    )
    for job in job_ids:
        newest = latest.get(job)
        if newest is not None:
            for status in Status:
                last_status.add(1 if newest.status == status else 0, job=job, status=status)
        success = _queries.history(conn, job_id=job, limit=1, status="success")
        if success and success[0].finished_at is not None:
            last_success.add(success[0].finished_at.timestamp(), job=job)
        done = finished.get(job)
        if done is not None and done.duration_ms is not None:
            last_duration.add(done.duration_ms / 1000, job=job)
        stats = window.get(job)
        for status in Status:
            runs.add(stats.by_status.get(status, 0) if stats else 0, job=job, status=status)
        api.add(stats.api_requests if stats else 0, job=job)
    families = [last_status, last_success, last_duration, runs, api]
    families.extend(_usage(conn))
    families.extend(_pipeline(conn))
    for family in families:
        yield from family.lines


def _usage(conn: Connection) -> list[_Family]:
    """Requests and 429s per job and endpoint: a few rows, whatever the number of runs."""
    from psycopg.rows import dict_row

    from riotjobs.counters import RATE_LIMIT_TYPES
    from riotjobs.riot.routing import ENDPOINTS

    known = {e.name for e in ENDPOINTS}
    limited = ", ".join(f"rate_limited_{t}" for t in RATE_LIMIT_TYPES)
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            f"SELECT job_id, endpoint, requests, {limited} FROM api_usage_totals"
            " ORDER BY job_id, endpoint"
        ).fetchall()
    requests: dict[tuple[str, str], int] = {}
    limits: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (str(row["job_id"]), row["endpoint"] if row["endpoint"] in known else "other")
        requests[key] = requests.get(key, 0) + int(row["requests"])
        for kind in RATE_LIMIT_TYPES:
            at = (*key, kind)
            limits[at] = limits.get(at, 0) + int(row[f"rate_limited_{kind}"])
    total = _Family(
        "riotjobs_api_requests_total", "counter", "Riot API requests made by runs, by endpoint."
    )
    for (job, endpoint), value in sorted(requests.items()):
        total.add(value, job=job, endpoint=endpoint)
    rate_limited = _Family(
        "riotjobs_api_rate_limited_total",
        "counter",
        "Riot API 429 answers by endpoint and X-Rate-Limit-Type (untyped: none given).",
    )
    for (job, endpoint, kind), value in sorted(limits.items()):
        rate_limited.add(value, job=job, endpoint=endpoint, type=kind)
    return [total, rate_limited]


def _pipeline(conn: Connection) -> list[_Family]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(_PIPELINE_SQL).fetchone()
    assert row is not None
    specs = (
        ("riotjobs_players_tracked", "Players tracked by the operator.", row["tracked"]),
        (
            "riotjobs_players_discovered",
            "Untracked players discovered in matches.",
            row["discovered"],
        ),
        ("riotjobs_players_analyzed", "Players with a smurf analysis.", row["analyzed"]),
        ("riotjobs_players_flagged", "Players whose newest analysis flags a smurf.", row["smurfs"]),
        ("riotjobs_players_banned", "Players found banned by the ban checker.", row["banned"]),
        ("riotjobs_open_incidents", "Jobs with an open incident.", row["open_incidents"]),
        (
            "riotjobs_notifications_pending",
            "Webhook messages waiting in the outbox.",
            row["pending_notifications"],
        ),
    )
    families = []
    for name, help_text, value in specs:
        family = _Family(name, "gauge", help_text)
        family.add(int(value))
        families.append(family)
    return families


def write_atomic(path: Path, content: str) -> None:
    """Write via a temp file in the same directory and ``os.replace``, so the textfile collector
    never reads half a file. The temp name does not end in ``.prom`` so it is never collected."""
    directory = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
