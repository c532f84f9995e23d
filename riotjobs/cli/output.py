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
        sys.stderr.write(f"riotjobs: {clean(line)}\n")


def info(message: str) -> None:
    console().print(clean(message), markup=False)


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

    Column name markers (dropped from the header):

    - ``>``: right-aligned, one line (numbers);
    - ``~``: may wrap at spaces (errors, notes);
    - ``^``: an identifier (a job id, a player): folds onto more lines, losing nothing, when
      nothing else is left to give way;
    - ``?`` (before the others): optional: ``fit`` drops such columns, rightmost first, before
      any other column would be cut.

    Other columns (status words, short values) stay whole on one line."""
    from rich.table import Table

    result = Table(
        title=title,
        title_justify="left",
        box=None,
        pad_edge=False,
        header_style="bold",
        title_style="bold",
    )
    optional, wrapping = [], []
    for name in columns:
        if "?" in name:
            name = name.replace("?", "")
            optional.append(len(result.columns))
        if name.endswith(">"):
            result.add_column(name[:-1], justify="right", no_wrap=True)
        elif name.endswith("~"):
            result.add_column(name[:-1], overflow="fold", min_width=10)
            wrapping.append(result.columns[-1])
        elif name.endswith("^"):
            result.add_column(name[:-1], overflow="fold")
        else:
            result.add_column(name, no_wrap=True, overflow="ellipsis")
    result.optional_columns = optional  # type: ignore[attr-defined]
    result.wrapping_columns = wrapping  # type: ignore[attr-defined]
    return result


def fit(table: Any, out: Console | None = None) -> Any:
    """Drop optional columns, rightmost first, until the table fits the console's width with
    every one-line column whole and each wrapping column at its narrowest, so that status words
    are never cut to ``suc…``. Identifier columns count at full width: they fold only when
    dropping every optional column was not enough."""
    out = out or console()
    for index in reversed(getattr(table, "optional_columns", [])):
        if _needed(table, out) <= out.width:
            break
        del table.columns[index]
        # rich pads and measures a column by its recorded position: keep it true after a delete.
        for position, column in enumerate(table.columns):
            column._index = position
    return table


def _needed(table: Any, out: Console) -> int:
    """The width at which nothing is cut: wrapping columns at their minimum, the rest whole."""
    wrapping = getattr(table, "wrapping_columns", [])
    unbounded = out.options.update_width(10**6)  # what a column wants, not what fits
    total = 0
    for column in table.columns:
        # rich's own measure (padding and min_width included); no public form of it exists.
        measured = table._measure_column(out, unbounded, column)
        total += measured.minimum if column in wrapping else measured.maximum
    return int(total)


# C0 and C1 control characters but tab and newline: an ESC from data (a Riot ID, an error
# text) would otherwise reach the terminal as an escape sequence.
_CONTROL = dict.fromkeys([*range(0, 9), *range(11, 32), 127, *range(128, 160)], "\ufffd")


def clean(text: str) -> str:
    """Data with control characters replaced by U+FFFD, safe to print to a terminal."""
    return text.translate(_CONTROL)


def escape(text: str) -> str:
    """Escape rich markup in data (job errors, hosts, Riot IDs) and drop control characters
    before it goes into a table cell."""
    from rich.markup import escape as rich_escape

    return rich_escape(clean(text))
