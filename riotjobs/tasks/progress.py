"""The progress hook tasks report through. The CLI swaps in a rich progress bar at a terminal;
everywhere else (cron, tests, -v) progress is silently dropped.

Kept free of imports so the CLI can subclass it without loading pydantic or the task machinery
(``riotjobs --help`` has to start instantly).
"""

from __future__ import annotations


class Progress:
    """No-op progress reporting: ``start`` a unit of work, ``advance`` it, ``finish`` it."""

    def start(self, description: str, total: int | None) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        return None

    def finish(self) -> None:
        return None
