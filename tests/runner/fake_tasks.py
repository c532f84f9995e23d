"""A task whose behaviour the runner tests choose with ``mode``: each failure rule of a run."""

from __future__ import annotations

from typing import Literal

from riotjobs.tasks.base import TaskConfig, TaskContext, TaskOutcome


class Config(TaskConfig):
    mode: Literal["count", "budget", "invalid_key", "db_error", "unreachable", "lane"] = "count"


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    from sqlalchemy import text

    from riotjobs.riot import errors

    ctx.counters.add("players_processed", 3)
    if config.mode == "lane":
        ctx.log.info("limiter lane %s", ctx.priority)
    if config.mode == "budget":
        raise errors.RateLimitBudgetExhausted("no request slot before the deadline")
    if config.mode == "invalid_key":
        raise errors.InvalidKeyError(401)
    if config.mode == "unreachable":
        raise errors.RiotUnavailableError("connection refused after 4 attempts")
    if config.mode == "db_error":
        with ctx.session() as session:
            session.execute(text("INSERT INTO players (puuid, platform) VALUES ('p-1', 'na1')"))
            session.execute(text("SELECT * FROM no_such_table"))
    ctx.counters.add("records_created", 2)
    return TaskOutcome()
