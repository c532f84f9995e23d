"""Webhook messages: formatting for Slack, Discord or a generic receiver, the outbox, delivery.

Every message is first written to the ``notifications`` outbox, then delivered within a hard time
budget, so a slow or broken webhook can never hold a job up: whatever is not delivered in time
stays in the outbox and the next run (or ``riotjobs alerts flush``) retries it. Delivery runs in
a daemon thread that the caller stops waiting for when the budget is spent.

The webhook URL can carry a token, so it is only ever shown as ``scheme://host``; error texts
that could echo it (or the Riot API key) are scrubbed before they are logged or stored.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from riotjobs.db.models import JobExecution, JobIncident
    from riotjobs.settings import Settings

log = logging.getLogger("riotjobs.notify")

Format = Literal["slack", "discord", "generic"]
FORMATS: tuple[Format, ...] = ("slack", "discord", "generic")
PER_REQUEST_TIMEOUT_S = 2.0
# Undelivered messages older than this are left alone: an alert a day late is noise.
RETRY_WINDOW = timedelta(hours=24)
MAX_PER_FLUSH = 20


def webhook_url(settings: Settings) -> str | None:
    """The configured webhook URL; an empty ``RIOTJOBS_ALERT_WEBHOOK_URL`` means none."""
    if settings.alert_webhook_url is None:
        return None
    return settings.alert_webhook_url.get_secret_value().strip() or None


def mask_url(url: str) -> str:
    """``scheme://host`` of a webhook URL; its path, query and credentials may hold a token."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "(invalid URL)"
    return f"{parts.scheme}://{parts.hostname}"


def scrub(text: str, settings: Settings) -> str:
    """Remove the webhook URL and the Riot API key from a message that may echo them."""
    secrets = []
    url = webhook_url(settings)
    if url is not None:
        secrets.append((url, mask_url(url) + "/…"))
    if settings.riot_api_key is not None and settings.riot_api_key.get_secret_value():
        secrets.append((settings.riot_api_key.get_secret_value(), "***"))
    for secret, replacement in secrets:
        text = text.replace(secret, replacement)
    return text


def render(fmt: Format, document: dict[str, Any]) -> dict[str, Any]:
    """The JSON body for one message. ``document`` has at least ``event`` and ``text``.

    Slack reads ``text``, Discord reads ``content``; the generic body carries the whole
    structured document and both keys, so it is also accepted by Slack and Discord.
    """
    text = str(document["text"])
    if fmt == "slack":
        return {"text": text}
    if fmt == "discord":
        # Discord refuses content longer than 2000 characters.
        return {"content": text[:2000]}
    return {**document, "content": text[:2000]}


def enqueue(
    *,
    session: Session,
    kind: str,
    body: dict[str, Any],
    job_id: str | None = None,
    execution_id: int | None = None,
) -> int:
    """Store one rendered message in the outbox (in the caller's transaction); returns its id."""
    from riotjobs.db.models import Notification

    row = Notification(kind=kind, job_id=job_id, execution_id=execution_id, payload=body)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


@dataclass
class SendResult:
    delivered: bool
    error: str | None = None
    timed_out: bool = False


def send(url: str, body: dict[str, Any], *, budget_s: float, settings: Settings) -> SendResult:
    """POST ``body`` to ``url``, giving up after ``budget_s`` seconds whatever the server does."""
    result = SendResult(False, f"no answer within {budget_s:.1f} s", timed_out=True)
    timeout = max(0.1, min(PER_REQUEST_TIMEOUT_S, budget_s))

    def post() -> None:
        import httpx

        nonlocal result
        try:
            response = httpx.post(url, json=body, timeout=timeout, follow_redirects=False)
        except httpx.HTTPError as exc:
            message = scrub(f"{type(exc).__name__}: {exc}", settings)[:300]
            result = SendResult(False, message, timed_out=isinstance(exc, httpx.TimeoutException))
            return
        if 200 <= response.status_code < 300:
            result = SendResult(True)
        else:
            result = SendResult(False, f"HTTP {response.status_code}")

    worker = threading.Thread(target=post, name="riotjobs-webhook", daemon=True)
    worker.start()
    worker.join(budget_s)
    return result


@dataclass
class FlushReport:
    delivered: int = 0
    undelivered: int = 0
    errors: list[str] = field(default_factory=list)


def flush(*, engine: Engine, settings: Settings, budget_s: float) -> FlushReport:
    """Deliver pending outbox messages, oldest first, until done or ``budget_s`` is spent.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so two runs finishing at once never send
    the same message twice.
    """
    from sqlalchemy import text
    from sqlmodel import Session

    from riotjobs.db.models import utcnow

    report = FlushReport()
    url = webhook_url(settings)
    if url is None:
        return report
    end = time.monotonic() + budget_s
    with Session(engine) as session:
        session.execute(text("SET LOCAL lock_timeout = '1s'"))
        session.execute(text("SET LOCAL statement_timeout = '2s'"))
        rows = session.execute(
            text(
                "SELECT id, kind, payload FROM notifications"
                " WHERE delivered_at IS NULL AND created_at > now() - make_interval(secs => :age)"
                " ORDER BY created_at, id LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"age": RETRY_WINDOW.total_seconds(), "n": MAX_PER_FLUSH},
        ).all()
        for index, (row_id, kind, payload) in enumerate(rows):
            remaining = end - time.monotonic()
            if remaining <= 0.05:
                report.undelivered += len(rows) - index
                break
            outcome = send(url, payload, budget_s=remaining, settings=settings)
            if outcome.delivered:
                report.delivered += 1
                session.execute(
                    text(
                        "UPDATE notifications SET delivered_at = :now, attempts = attempts + 1,"
                        " last_error = NULL WHERE id = :id"
                    ),
                    {"now": utcnow(), "id": row_id},
                )
                continue
            report.undelivered += 1
            report.errors.append(outcome.error or "undelivered")
            log.warning(
                "notification %d (%s) undelivered to %s: %s; it stays queued for the next run",
                row_id,
                kind,
                mask_url(url),
                outcome.error,
            )
            session.execute(
                text(
                    "UPDATE notifications SET attempts = attempts + 1, last_error = :err"
                    " WHERE id = :id"
                ),
                {"err": outcome.error, "id": row_id},
            )
            if outcome.timed_out:
                # The receiver hangs: trying the next message would only hang again.
                report.undelivered += len(rows) - index - 1
                break
        session.commit()
    return report


# --- message documents --------------------------------------------------------------------------

_TITLES = {
    "alert": "riotjobs ALERT",
    "recovery": "riotjobs RECOVERED",
    "slow": "riotjobs SLOW",
    "banned": "riotjobs: newly banned players",
    "test": "riotjobs test message",
}
MAX_NAMES = 25


def document(
    kind: str,
    run: JobExecution | None,
    incident: JobIncident | None,
    *,
    settings: Settings,
    players: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The structured message (the generic format's body) with a one-paragraph ``text``."""
    import socket

    from riotjobs.db.models import utcnow

    error = None
    if run is not None and run.error:
        error = scrub(run.error.strip().splitlines()[0] if run.error.strip() else "", settings)
        error = error[:500]
    doc: dict[str, Any] = {
        "event": kind,
        "job": run.job_id if run else None,
        "execution_id": run.id if run else None,
        "status": run.status if run else None,
        "error": error,
        "host": run.host if run else socket.gethostname(),
        "started_at": _iso(run.started_at) if run else None,
        "finished_at": _iso(run.finished_at) if run else None,
        "duration_ms": run.duration_ms if run else None,
        "baseline_ms": run.baseline_ms if run else None,
        "sent_at": _iso(utcnow()),
    }
    if incident is not None:
        doc["incident"] = {
            "id": incident.id,
            "kind": incident.kind,
            "opened_at": _iso(incident.opened_at),
            "consecutive_failures": incident.consecutive_failures,
        }
    if players is not None:
        doc["players"] = players
    doc["text"] = _text(kind, doc, players or [])
    return doc


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _text(kind: str, doc: dict[str, Any], players: list[dict[str, Any]]) -> str:
    title = _TITLES.get(kind, f"riotjobs {kind}")
    where = f"job {doc['job']} (execution {doc['execution_id']} on {doc['host']})"
    if kind == "alert":
        count = doc.get("incident", {}).get("consecutive_failures", 1)
        runs = "1 bad run" if count == 1 else f"{count} bad runs in a row"
        line = f"{title}: {where} ended {doc['status']}; {runs}."
        return line + (f" Error: {doc['error']}" if doc["error"] else "")
    if kind == "recovery":
        count = doc.get("incident", {}).get("consecutive_failures", 1)
        since = doc.get("incident", {}).get("opened_at")
        return f"{title}: {where} succeeded after {count} bad run(s) since {since}."
    if kind == "banned":
        names = [_player_name(p) for p in players]
        shown = ", ".join(names[:MAX_NAMES])
        more = f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
        return f"{title} ({len(names)}) from {where}: {shown}{more}."
    return f"{title} from {doc['host']}: the webhook works."


def slow_text(kind: str, doc: dict[str, Any], factor: float) -> str:
    """The text of a ``slow`` alert, or of the recovery that closes a slow incident."""
    where = f"job {doc['job']} (execution {doc['execution_id']} on {doc['host']})"
    incident = doc.get("incident", {})
    count = incident.get("consecutive_failures", 1)
    if kind == "recovery":
        return (
            f"{_TITLES['recovery']}: {where} ran in its usual time again after {count} slow "
            f"run(s) since {incident.get('opened_at')}."
        )
    took, base = _seconds(doc.get("duration_ms")), _seconds(doc.get("baseline_ms"))
    runs = "1 slow run" if count == 1 else f"{count} slow runs in a row"
    return (
        f"riotjobs SLOW: {where} succeeded but took {took}, more than {factor:g} x its median "
        f"of {base} over recent successful runs; {runs}."
    )


def _seconds(ms: int | None) -> str:
    return "?" if ms is None else f"{ms / 1000:.1f} s"


def _player_name(player: dict[str, Any]) -> str:
    riot_id = player.get("riot_id")
    if not riot_id and player.get("game_name") and player.get("tag_line"):
        riot_id = f"{player['game_name']}#{player['tag_line']}"
    return str(riot_id or player.get("puuid") or "?")
