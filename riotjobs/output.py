"""Rendering for the CLI: rich tables for people, JSON for scripts, one-line errors.

Only this module and ``riotjobs.cli`` touch rich. Human output honours NO_COLOR (rich does) and
stays plain when stdout is not a terminal.
"""

from __future__ import annotations

import json
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

        _stdout = Console(highlight=False, soft_wrap=not sys.stdout.isatty())
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
