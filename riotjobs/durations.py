"""Durations as people type them: ``90s``, ``30m``, ``6h``, ``7d``, ``2w``.

One parser for the CLI's ``--since`` (``riotjobs.ops.status.parse_since``) and jobs.yaml's
``catch_up: {within: 6h}`` (``riotjobs.config``). It raises ``ValueError`` with a one-line
message; each caller turns that into its own error (a usage error, a ``file:line:`` problem).
"""

from __future__ import annotations

import re
from datetime import timedelta

_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_MAX_TEXT = 40


def parse(text: str, *, maximum: timedelta, minimum: timedelta | None = None) -> timedelta:
    """``text`` as a timedelta in ``[minimum, maximum]``; ``ValueError`` otherwise (zero is
    never a duration)."""
    match = _RE.match(text.lower()[:_MAX_TEXT])
    if not match or len(text) > _MAX_TEXT or int(match.group(1)) == 0:
        shown = text[:_MAX_TEXT] + ("…" if len(text) > _MAX_TEXT else "")
        raise ValueError(f"invalid duration {shown!r}: use a number and a unit, e.g. 30m, 6h, 1d")
    # Capped before timedelta sees it: larger numbers overflow (a traceback, not an error).
    value = timedelta(**{_UNITS[match.group(2)]: min(int(match.group(1)), 10**8)})
    if value > maximum:
        raise ValueError(f"duration {text!r} is longer than {describe(maximum)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"duration {text!r} is shorter than {describe(minimum)}")
    return value


def describe(value: timedelta) -> str:
    """A whole number of the largest unit that divides ``value``: ``6h``, ``3650 days``."""
    seconds = int(value.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} days"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
