"""`sleep`: wait a while, for smoke-testing a cron set-up and for exercising the runner.

``seconds`` sleeps in the process; with ``in_database: true`` it sleeps inside an open
transaction (``SELECT pg_sleep``), which is how the runner's timeout handling of a stuck SQL
statement is proven. ``log_bytes`` writes that much log first (to see log capture and its
bound), and ``result`` rehearses the other outcomes: ``partial`` reports one failed item and
``error`` raises after the sleep, so an operator can check that cron mails and alerts arrive.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from riotjobs.tasks.base import TaskConfig, TaskOutcome

if TYPE_CHECKING:
    from riotjobs.tasks.base import TaskContext

_FILLER = "x" * 100


class Config(TaskConfig):
    seconds: float = Field(default=1.0, ge=0, le=86_400)
    in_database: bool = False
    log_bytes: int = Field(default=0, ge=0, le=64 * 1024 * 1024)
    result: Literal["success", "partial", "error"] = "success"


class RehearsedFailure(RuntimeError):
    """The failure ``result: error`` asks for."""


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    written = 0
    line = 0
    while written < config.log_bytes:
        ctx.log.info("filler line %d %s", line, _FILLER)
        written += len(_FILLER) + 64  # about the formatted size of one record
        line += 1
    ctx.log.info(
        "sleeping %.1f s%s", config.seconds, " in the database" if config.in_database else ""
    )
    if config.in_database:
        from sqlalchemy import text

        with ctx.session() as session:
            session.execute(text("SELECT pg_sleep(:s)"), {"s": config.seconds})
            session.commit()
    else:
        _sleep(ctx, config.seconds)
    outcome = TaskOutcome()
    if config.result == "partial":
        outcome.item_failed("rehearsed item failure (sleep result: partial)")
    elif config.result == "error":
        raise RehearsedFailure("rehearsed failure (sleep result: error)")
    return outcome


def _sleep(ctx: TaskContext, seconds: float) -> None:
    """Sleep in one-second steps so that a terminal shows progress."""
    whole = int(seconds)
    ctx.progress.start("sleeping", total=whole)
    for _ in range(whole):
        time.sleep(1)
        ctx.progress.advance()
    time.sleep(seconds - whole)
    ctx.progress.finish()
