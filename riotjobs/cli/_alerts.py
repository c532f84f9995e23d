"""`riotjobs alerts test|flush`: prove the webhook works, and deliver the outbox now."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import typer

from riotjobs.cli import _common
from riotjobs.cli._app import app
from riotjobs.errors import ExitCode

if TYPE_CHECKING:
    from riotjobs.ops.notify import Format

alerts_app = typer.Typer(
    help="Webhook alerts: send a test message, deliver queued messages.\n\n"
    "Example:  riotjobs alerts test",
)
app.add_typer(alerts_app, name="alerts")

_FORMATS = ("slack", "discord", "generic")


@alerts_app.command("test")
def test(
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="slack, discord or generic (default: alert_format in jobs.yaml defaults).",
    ),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """Send a test message to RIOTJOBS_ALERT_WEBHOOK_URL and say where it went.

    Exits 0 when the webhook accepted it, 1 when it did not, 78 when no webhook is set.
    Only the URL's scheme and host are shown: the rest may hold a token.

    Example:  RIOTJOBS_ALERT_WEBHOOK_URL=https://hooks.slack.com/services/... riotjobs alerts test
    """
    from riotjobs.cli import output
    from riotjobs.errors import UsageError
    from riotjobs.ops import alerting

    if fmt is not None and fmt not in _FORMATS:
        raise UsageError(f"--format {fmt!r}: choose one of {', '.join(_FORMATS)}")
    chosen = cast("Format | None", fmt)
    report = alerting.send_test(settings=_common.settings(), fmt=chosen)
    if as_json:
        output.print_json(
            {
                "delivered": report.delivered,
                "destination": report.destination,
                "format": report.format,
                "error": report.error,
            }
        )
    elif report.delivered:
        typer.echo(f"test message ({report.format}) delivered to {report.destination}")
    else:
        output.error(f"test message not delivered to {report.destination}: {report.error}")
    if not report.delivered:
        raise typer.Exit(ExitCode.FAILED)


@alerts_app.command("flush")
def flush(
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """Deliver the undelivered messages of the outbox now (runs also do this on their own).

    Exits 0 when nothing is left undelivered, 1 otherwise, 78 when no webhook is set.

    Example:  riotjobs alerts flush
    """
    from riotjobs.cli import output
    from riotjobs.ops import alerting

    cfg = _common.settings()
    with _common.engine(cfg) as (engine, _):
        report = alerting.flush_outbox(engine=engine, settings=cfg)
    if as_json:
        output.print_json(
            {"delivered": report.delivered, "undelivered": report.undelivered,
             "errors": report.errors}
        )  # fmt: skip
    else:
        typer.echo(f"{report.delivered} delivered, {report.undelivered} undelivered")
    if report.undelivered:
        raise typer.Exit(ExitCode.FAILED)
