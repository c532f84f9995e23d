"""`riotjobs metrics`: Prometheus text exposition for node_exporter's textfile collector."""

from __future__ import annotations

from pathlib import Path

import typer

from riotjobs.cli import _common
from riotjobs.cli._app import app
from riotjobs.errors import UsageError


@app.command("metrics")
def metrics(
    output_file: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write to this file atomically (temp file + rename) instead of stdout.",
    ),
) -> None:
    """Print job health and pipeline counts in the Prometheus text format.

    Per job: last status, last success time, last duration, runs by status and API requests
    over 24 h. Pipeline: players tracked, discovered, analyzed, flagged, banned.

    Example:  riotjobs metrics --output /var/lib/node_exporter/textfile/riotjobs.prom
    """
    import sys

    from riotjobs.ops import metrics as prom

    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    with _common.connection(cfg) as (conn, _):
        text = prom.render(conn=conn, job_ids=list(jobs.jobs), misconfigured=list(jobs.broken))
    if output_file is None:
        sys.stdout.write(text)
    else:
        try:
            prom.write_atomic(output_file, text)
        except OSError as exc:
            raise UsageError(f"--output {output_file}: {exc.strerror or exc}") from None
