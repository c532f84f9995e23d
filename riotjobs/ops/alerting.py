"""The alerts layer's entry points: the runner's hooks, the read commands' hook for runs they
reap, and the `riotjobs alerts test|flush` commands. The incident rules are in
``riotjobs.ops.alerts``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from riotjobs.ops.alerts import after_reap, policy_for, run_finished
from riotjobs.ops.notify import Format, webhook_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from riotjobs.runner import FinishedRun, RunHooks
    from riotjobs.settings import Settings


@dataclass
class TestReport:
    delivered: bool
    destination: str  # scheme://host only
    format: Format
    error: str | None = None


def send_test(
    *, settings: Settings, fmt: Format | None = None, budget_s: float = 10.0
) -> TestReport:
    """Send a test message straight to the webhook (not through the outbox: a test that failed
    should not be retried later). Raises ``ConfigError`` when no webhook is configured."""
    from riotjobs.errors import ConfigError
    from riotjobs.ops.notify import document, mask_url, render, send

    url = webhook_url(settings)
    if url is None:
        raise ConfigError("no webhook configured: set RIOTJOBS_ALERT_WEBHOOK_URL")
    from riotjobs.config import load_jobs_for
    from riotjobs.tasks.registry import REGISTRY

    chosen: Format = (
        fmt or policy_for(None, load_jobs_for(settings, registry=REGISTRY).defaults).format
    )
    body = render(chosen, document("test", None, None, settings=settings))
    result = send(url, body, budget_s=budget_s, settings=settings)
    return TestReport(result.delivered, mask_url(url), chosen, result.error)


def flush_outbox(*, engine: Engine, settings: Settings, budget_s: float = 30.0) -> Any:
    """Deliver the outbox now (``riotjobs alerts flush``). Raises ``ConfigError`` without a
    webhook."""
    from riotjobs.errors import ConfigError
    from riotjobs.ops.notify import flush

    if webhook_url(settings) is None:
        raise ConfigError("no webhook configured: set RIOTJOBS_ALERT_WEBHOOK_URL")
    return flush(engine=engine, settings=settings, budget_s=budget_s)


def abandoned_hook(database_url: str) -> Callable[[list[int]], None]:
    """``build_status``'s hook: the read commands hold a plain connection, so incidents for the
    runs they reap are opened on an engine of their own (rarely: only when a run died). Opens
    incidents and queues alerts; runs deliver them."""

    def queue(execution_ids: list[int]) -> None:
        from riotjobs.db.engine import create_engine

        engine = create_engine(database_url, application_name="riotjobs alerts")
        try:
            after_reap(engine=engine, execution_ids=execution_ids)
        finally:
            engine.dispose()

    return queue


def hooks(settings: Settings) -> RunHooks:
    """The runner's hooks: alerts once a run's row is final, incidents for runs found abandoned."""
    from riotjobs.runner import RunHooks

    def finished(run: FinishedRun) -> None:
        run_finished(
            settings=settings,
            db_url=run.db_url,
            job=run.job,
            execution_id=run.execution_id,
            events=run.events,
            abandoned=run.abandoned,
            budget_s=run.budget_s,
        )

    def abandoned(engine: Engine, execution_ids: list[int]) -> None:
        after_reap(engine=engine, execution_ids=execution_ids, settings=settings)

    return RunHooks(on_finished=finished, on_abandoned=abandoned)
