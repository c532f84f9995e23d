"""Dead-man's-switch pings in the healthchecks.io protocol (as runitor sends them).

A run that starts sends ``<url>/start?rid=<uuid>``; when it ends it sends ``<url>/<exit code>``
with the same ``rid`` and the last 10,000 bytes of its log as the body. healthchecks counts exit
code 0 as success and any other as failure, and alerts when no ping came in the schedule plus
grace period: a dead cron daemon, a removed crontab, a host that is down.

- A **skipped** run (another run holds the lock) sends ``<url>/log`` with the reason: an event
  in the check's log that is neither a success nor a failure.
- A **disabled** job sends nothing (pause its check in healthchecks).

Pings never fail or slow a run beyond the ping timeout: they go out from a background thread,
each attempt times out after ``PING_TIMEOUT_S`` and is retried a bounded number of times, and
the run waits for the end ping at most ``PING_TIMEOUT_S``. The URL is a secret (it lets anyone
post to the check): it is never logged, only its scheme and host.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

from riotjobs.ops.notify import mask_url
from riotjobs.runner.hooks import NOT_DUE

if TYPE_CHECKING:
    import httpx

    from riotjobs.runner import RunHooks
    from riotjobs.runner.hooks import EndedRun, StartedRun

log = logging.getLogger("riotjobs.pings")

PING_TIMEOUT_S = 2.0
ATTEMPTS = 3
RETRY_PAUSE_S = 0.5
BODY_LIMIT = 10_000  # bytes of log tail in the end ping, as runitor sends


@dataclass(frozen=True)
class Ping:
    kind: str  # "start", "log" or an exit code
    body: bytes = b""


def ping_url(base: str, kind: str, rid: str) -> str:
    """``base/kind?rid=...``, keeping a query the base URL may have."""
    parts = urlsplit(base)
    query = "&".join(q for q in (parts.query, urlencode({"rid": rid})) if q)
    return urlunsplit((parts.scheme, parts.netloc, f"{parts.path.rstrip('/')}/{kind}", query, ""))


def log_tail(text: str, limit: int = BODY_LIMIT) -> bytes:
    """The last ``limit`` bytes of the log, cut at a character boundary."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return data
    return data[-limit:].decode("utf-8", "ignore").encode("utf-8")


class Pinger:
    """The pings of one run, sent in order by one background thread."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = PING_TIMEOUT_S,
        attempts: int = ATTEMPTS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.rid = str(uuid.uuid4())
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self._transport = transport
        self._queue: queue.Queue[Ping | None] = queue.Queue()
        self._ending = threading.Event()  # the end ping is queued: stop retrying earlier ones
        self._ended = False
        self._thread: threading.Thread | None = None

    # --- the runner's hooks -------------------------------------------------------------------

    def started(self, run: StartedRun) -> None:
        self._send(Ping("start"))

    def ended(self, run: EndedRun) -> None:
        """Queue the end ping and wait for it at most ``timeout`` seconds."""
        if self._ended:
            return  # the watchdog's last resort already reported the run
        self._ended = True
        result = run.result
        if result.status in ("disabled", NOT_DUE):
            return
        if result.status == "skipped":
            reason = f"skipped: {result.error or 'another run holds the lock'}"
            ping = Ping("log", reason.encode("utf-8", "replace")[:BODY_LIMIT])
        else:
            ping = Ping(str(result.exit_code), log_tail(run.log_tail))
        self._ending.set()
        self._send(ping)
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=self.timeout)

    # --- the sending thread -------------------------------------------------------------------

    def _send(self, ping: Ping) -> None:
        self._queue.put(ping)
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="riotjobs-pings", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        import httpx

        with httpx.Client(
            timeout=self.timeout, follow_redirects=False, transport=self._transport
        ) as client:
            while (ping := self._queue.get()) is not None:
                self._deliver(client, ping)

    def _deliver(self, client: httpx.Client, ping: Ping) -> None:
        import httpx

        where = mask_url(self.url)
        for attempt in range(1, self.attempts + 1):
            if attempt > 1 and ping.kind == "start" and self._ending.is_set():
                return  # the run is over: its end ping matters more than a retried start
            try:
                response = client.post(ping_url(self.url, ping.kind, self.rid), content=ping.body)
            except httpx.HTTPError as exc:  # never the message: it may carry the URL
                why = type(exc).__name__
            else:
                if response.status_code < 500:
                    if response.status_code >= 400:
                        log.info("ping %s to %s refused: HTTP %d", ping.kind, where,
                                 response.status_code)  # fmt: skip
                    return
                why = f"HTTP {response.status_code}"
            # info, not warning: a run that succeeded must stay silent under cron.
            log.info("ping %s to %s failed (%s), attempt %d of %d", ping.kind, where, why,
                     attempt, self.attempts)  # fmt: skip
            if attempt < self.attempts:
                time.sleep(RETRY_PAUSE_S)


def with_pings(
    hooks: RunHooks,
    url: str | None,
    *,
    timeout: float = PING_TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
) -> RunHooks:
    """``hooks`` plus the pings of one run to ``url`` (unchanged when there is no URL)."""
    if not url:
        return hooks
    pinger = Pinger(url, timeout=timeout, transport=transport)
    return replace(hooks, on_started=pinger.started, on_ended=pinger.ended)
