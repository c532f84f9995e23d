"""`sleep`: wait a while, for smoke-testing a cron set-up and for exercising the runner.

``seconds`` sleeps in the process; with ``in_database: true`` it sleeps inside an open
transaction (``SELECT pg_sleep``), which is how the runner's timeout handling of a stuck SQL
statement is proven.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pydantic import Field

from riotjobs.tasks.base import TaskConfig, TaskOutcome

if TYPE_CHECKING:
    from riotjobs.tasks.base import TaskContext


class Config(TaskConfig):
    seconds: float = Field(default=1.0, ge=0, le=86_400)
    in_database: bool = False


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    ctx.log.info(
        "sleeping %.1f s%s", config.seconds, " in the database" if config.in_database else ""
    )
    if config.in_database:
        from sqlalchemy import text

        with ctx.session() as session:
            session.execute(text("SELECT pg_sleep(:s)"), {"s": config.seconds})
            session.commit()
    else:
        time.sleep(config.seconds)
    return TaskOutcome()
