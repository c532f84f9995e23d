"""Table cells and the runs table that `status`, `history`, `jobs` and `jobs show` share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from riotjobs.cli import output
from riotjobs.db.vocab import Trigger

if TYPE_CHECKING:
    from datetime import datetime

    from riotjobs.ops.status import Execution, JobRow


def run_status(e: Execution | None) -> str:
    """A run's status in its colour, with the slow mark (README: Duration baselines)."""
    if e is None:
        return output.status_text(None)
    return output.status_text(e.status) + (" [yellow]slow[/yellow]" if e.slow else "")


def executions_table(runs: list[Execution], now: datetime, title: str | None = None) -> Any:
    t = output.table(
        "ID>", "Job^", "Status", "Trigger?", "Started (UTC)?", "Took>?", "API>?", "Error~",
        title=title,
    )  # fmt: skip
    for e in runs:
        t.add_row(
            str(e.id),
            e.job,
            run_status(e),
            e.trigger,
            output.utc(e.started_at, short=True),
            output.duration(e.duration_ms),
            str(e.counters.get("api_requests_made", 0)),
            output.escape(output.first_line(e.error, 50)),
        )
    return t


def enabled_text(row: JobRow) -> str:
    return ("yes" if row.enabled else "no") + ("*" if row.enabled_overridden else "")


def note_text(row: JobRow) -> str:
    state = row.state
    if state == "misconfigured":
        return "[bold red]MISCONFIGURED[/bold red] (riotjobs check)"
    if state == "overdue":
        return "[bold red]OVERDUE[/bold red]"
    if state == "failing":
        return "[red]failing[/red]"
    last = row.last_run
    if state == "ok" and last is not None and last.trigger == Trigger.CATCHUP:
        # A missed scheduled run was run late (jobs.yaml catch_up): say when.
        return f"caught up {output.utc(last.started_at, short=True)}"
    return "" if state in ("ok", "disabled") else state
