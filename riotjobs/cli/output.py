"""Rendering for the CLI: rich tables for people, JSON for scripts, one-line errors.

Only this module and ``riotjobs.cli`` touch rich. Human output honours NO_COLOR (rich does) and
stays plain when stdout is not a terminal.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

_stdout: Console | None = None
_stderr: Console | None = None


def console() -> Console:
    global _stdout
    if _stdout is None:
        from rich.console import Console

        piped = not sys.stdout.isatty()
        # Piped output (cron mail, grep, less) gets a wide page instead of rich's 80 columns,
        # so tables are not folded; COLUMNS still wins.
        width = 160 if piped and not os.environ.get("COLUMNS") else None
        _stdout = Console(highlight=False, soft_wrap=piped, width=width)
    return _stdout


def err_console() -> Console:
    global _stderr
    if _stderr is None:
        from rich.console import Console

        _stderr = Console(stderr=True, highlight=False)
    return _stderr


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(document: Any) -> str:
    return json.dumps(document, default=_default, indent=2, sort_keys=False)


def print_json(document: Any) -> None:
    """Plain JSON on stdout: no colour, no wrapping, stable for scripts."""
    sys.stdout.write(dumps(document) + "\n")


def error(message: str) -> None:
    """One line (or a few) on stderr, prefixed so cron mail says where it came from."""
    for line in message.splitlines() or [""]:
        sys.stderr.write(f"riotjobs: {line}\n")


def info(message: str) -> None:
    console().print(message, markup=False)


# --- generic pieces of the operator tables ------------------------------------------------------

STATUS_STYLES = {
    "success": "green",
    "partial": "yellow",
    "failed": "bold red",
    "timeout": "red",
    "abandoned": "magenta",
    "skipped": "dim",
    "running": "cyan",
    "cancelled": "blue",
}


def status_text(status: str | None) -> str:
    """A status as rich markup in its colour (plain when NO_COLOR or piped: rich drops styles)."""
    if not status:
        return "[dim]never[/dim]"
    style = STATUS_STYLES.get(status)
    return f"[{style}]{status}[/{style}]" if style else status


def duration(ms: int | float | None) -> str:
    """``850 ms``, ``12.3 s``, ``4m 05s``, ``2h 03m``; an em dash when unknown."""
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{int(ms)} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def ago(then: datetime | None, now: datetime) -> str:
    """How long before ``now``: ``just now``, ``5 min ago``, ``3 h ago``, ``2 d ago``."""
    if then is None:
        return "-"
    seconds = (now - then).total_seconds()
    if seconds < 0:
        return "in " + _span(-seconds)
    if seconds < 45:
        return "just now"
    return _span(seconds) + " ago"


def until(then: datetime | None, now: datetime) -> str:
    """How long after ``now``: ``in 3 min``."""
    if then is None:
        return "-"
    seconds = (then - now).total_seconds()
    return "now" if seconds < 30 else "in " + _span(seconds)


def _span(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 3570:
        return f"{round(seconds / 60)} min"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def utc(moment: datetime | None, *, short: bool = False) -> str:
    """``2026-11-22 06:58`` (UTC), or ``11-22 06:58`` with ``short`` for narrow tables."""
    if moment is None:
        return "-"
    return moment.strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")


def first_line(text: str | None, width: int = 60) -> str:
    if not text:
        return ""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def table(*columns: str, title: str | None = None) -> Any:
    """A borderless rich table: readable piped or in cron mail, no box-drawing characters.

    A column name ending in ``>`` is right-aligned, one ending in ``~`` may wrap (the marker is
    dropped); other columns stay on one line and are shortened with an ellipsis when the
    terminal is too narrow."""
    from rich.table import Table

    result = Table(
        title=title,
        title_justify="left",
        box=None,
        pad_edge=False,
        header_style="bold",
        title_style="bold",
    )
    for name in columns:
        if name.endswith(">"):
            result.add_column(name[:-1], justify="right", no_wrap=True)
        elif name.endswith("~"):
            result.add_column(name[:-1], overflow="fold", min_width=10)
        else:
            result.add_column(name, no_wrap=True, overflow="ellipsis")
    return result


def escape(text: str) -> str:
    """Escape rich markup in data (job errors, hosts) before it goes into a table cell."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)
