"""One Riot API GET, end to end: a limiter slot, the HTTP exchange, learning, retries, errors.

Retry policy:
- 5xx, connection errors and timeouts retry with exponential backoff and full jitter (the
  ``backoff`` package) up to ``max_tries`` attempts, then raise ``ServerError`` or
  ``RiotUnavailableError``. Every attempt takes its own limiter slot: Riot counts it. The
  slot is handed back to the limiter with the response or error, so its stamp moves to the
  request's completion (Riot counted it at its arrival, some time before).
- A 429 of type application or method blocks that scope for ``Retry-After`` in the shared
  limiter (so every process waits; recorded before the response is logged, and spare slots
  taken before it are dropped), then the request queues for a slot again. A service 429, or
  one without headers, waits ``service_backoff`` seconds (or its ``Retry-After``) in this thread
  only, since it says nothing about our key's budget.
- 401/403 raise ``InvalidKeyError`` and are remembered, here and in the shared limiter: later
  calls fail without a request, and so do those already queued for a slot, in this process
  and in every other process using the key (``Limiter.reject``).
  Until one response has shown the key works, requests go one at a time, so a dead key costs a
  single request however many threads are waiting.

The key travels only in the ``X-Riot-Token`` header, set by an ``httpx.Auth`` whose repr hides
it; URLs, log lines and error messages never contain it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import backoff
import httpx

from riotjobs.counters import Counters
from riotjobs.riot._gather import on_wide_thread
from riotjobs.riot.errors import (
    BadRequestError,
    InvalidKeyError,
    NotFoundError,
    RateLimitBudgetExhausted,
    RiotAPIError,
    RiotUnavailableError,
    ServerError,
)
from riotjobs.riot.headers import RateHeaders
from riotjobs.riot.limiter import Announced, Limiter, Scope
from riotjobs.riot.routing import Endpoint
from riotjobs.secret import Secret

log = logging.getLogger("riotjobs.riot")

MAX_RATE_LIMITED = 8  # 429s in a row for one request before giving up on it


class TokenAuth(httpx.Auth):
    """Adds ``X-Riot-Token`` to each request; the key never sits in client defaults or reprs."""

    def __init__(self, key: Secret) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Riot-Token"] = self._key.get_secret_value()
        yield request

    def __repr__(self) -> str:
        return "TokenAuth(X-Riot-Token=***)"


def quiet_http_loggers() -> None:
    """httpx logs every URL at INFO and httpcore (the wire behind a proxy) traces the exchange
    at DEBUG; keep both at WARNING so a verbose run can never echo request details (the key is
    only ever in a header, but a header dump at DEBUG must not become possible). The usual wire,
    ``_wire``'s http.client, logs nothing."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


class _Retryable(Exception):
    """A 5xx or a transport failure; ``status`` is None for the latter."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


class _RateLimited(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(f"429, retry in {wait:.1f}s")
        self.wait = wait


@dataclass(frozen=True)
class _Call:
    """One logical request (it may take several attempts)."""

    endpoint: str
    routing: str
    path: str
    params: dict[str, Any]
    app: Scope
    method: Scope

    @property
    def where(self) -> str:
        return f"{self.endpoint} on {self.routing}"


@dataclass
class Reach:
    """What the API answered during a client's life: whether a run that only saw failures
    failed because nothing answered (unreachable) or because everything was refused."""

    requests: int = 0
    answered: int = 0
    ok: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    cause: str | None = None  # the last transport error

    def copy(self) -> Reach:
        return Reach(self.requests, self.answered, self.ok, dict(self.statuses), self.cause)


class Connections:
    """``httpx.Client``s per routing value, made on first use: one for the threads a lane keeps
    for its whole batch and one for its wide threads (``_gather``: a head or a tail). Thread-safe.

    Each client has a connection pool of its own (``_wire``). The split began with httpcore,
    whose pool scans every connection it holds each time a request starts or ends: one pool for
    all the routing values a run reaches cost a tenth of the process's CPU, and one per routing
    value that kept the wide threads' 48 connections cost a run without limits (B3) a fifth of
    its speed. It stays because it keeps what each pool holds to what its threads use: the
    steady threads' pool as short as their number, and the wide threads' connections warm for
    the tail (on Riot, a new one costs a TLS handshake).
    """

    def __init__(self, make: Callable[[bool], httpx.Client]) -> None:
        self._make = make  # wide -> a new client
        self._clients: dict[tuple[str, bool], httpx.Client] = {}
        self._lock = threading.Lock()
        self.closed = False

    def for_routing(self, routing: str, *, wide: bool = False) -> httpx.Client | None:
        """The client of ``routing``; None once ``close`` has run (the run is stopping)."""
        client = self._clients.get((routing, wide))
        if client is None:
            with self._lock:
                client = self._clients.get((routing, wide))
                if client is None and not self.closed:
                    client = self._clients[(routing, wide)] = self._make(wide)
        return client

    def auths(self) -> list[httpx.Auth | None]:
        """Each client's auth, for tests that check nothing shows the key."""
        return [client.auth for client in self._clients.values()]

    def close(self) -> None:
        with self._lock:
            self.closed = True
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()


class Requester:
    """Sends GETs for a ``RiotClient``. Thread-safe."""

    def __init__(
        self,
        *,
        http: Connections,
        base_url: str,
        limiter: Limiter,
        fingerprint: str,
        app_limits: str,
        counters: Counters,
        deadline: float | None,
        max_tries: int = 4,
        backoff_base: float = 0.5,
        service_backoff: float = 5.0,
    ) -> None:
        self.http = http
        self.base_url = base_url
        self.limiter = limiter
        self.fingerprint = fingerprint
        self.app_limits = app_limits
        self.counters = counters
        self.deadline = deadline
        self.service_backoff = service_backoff
        self.rejected: int | None = None  # the 401/403 status once the key was refused
        self.reach = Reach()
        self._reach_lock = threading.Lock()
        self._key_ok = threading.Event()
        self._key_gate = threading.Lock()
        self._retrying = backoff.on_exception(
            backoff.expo,
            _Retryable,
            max_tries=max_tries,
            max_time=self._remaining if deadline is not None else None,
            jitter=backoff.full_jitter,
            factor=backoff_base,
            on_backoff=self._log_backoff,
            logger=None,
        )(self._attempt)

    def _remaining(self) -> float:
        assert self.deadline is not None
        return max(0.0, self.deadline - time.monotonic())

    @staticmethod
    def _log_backoff(details: Any) -> None:
        log.info("retrying in %.1fs after: %s", details["wait"], details["exception"])

    def get(
        self, endpoint: Endpoint, routing: str, path: str, params: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        """The successful response of ``GET {base}{path}``, or a ``RiotAPIError``."""
        call = _Call(
            endpoint=endpoint.name,
            routing=routing,
            path=path,
            params=dict(params or {}),
            app=Scope.application(self.fingerprint, routing, self.app_limits),
            method=Scope.method(self.fingerprint, routing, endpoint.name),
        )
        for _ in range(MAX_RATE_LIMITED):
            try:
                return self._gated(call)
            except _RateLimited as limited:
                self._pause(limited.wait, call)
            except _Retryable as failed:
                if failed.status is None:
                    raise RiotUnavailableError(
                        f"{call.where}: unreachable after retries ({failed})",
                        endpoint=call.endpoint,
                    ) from None
                raise ServerError(
                    f"{call.where}: HTTP {failed.status} after retries",
                    endpoint=call.endpoint,
                    status=failed.status,
                ) from None
        raise RateLimitBudgetExhausted(
            f"{call.where}: rate limited {MAX_RATE_LIMITED} times in a row", endpoint=call.endpoint
        )

    def _pause(self, wait: float, call: _Call) -> None:
        if self.deadline is not None and time.monotonic() + wait > self.deadline:
            raise RateLimitBudgetExhausted(
                f"rate limit: {call.where} asked to wait {wait:.1f}s, past the run's deadline",
                endpoint=call.endpoint,
            )
        time.sleep(wait)

    def _gated(self, call: _Call) -> httpx.Response:
        if not self._key_ok.is_set():
            with self._key_gate:  # one request at a time until the key has been accepted once
                if not self._key_ok.is_set():
                    return self._retrying(call)
        # Threads that queued at the gate while the first request was out go on together: they
        # would otherwise pass it one round trip at a time, and the limiter's log would carry
        # that trickle into every later window.
        return self._retrying(call)

    def _attempt(self, call: _Call) -> httpx.Response:
        if self.rejected is not None:
            raise InvalidKeyError(self.rejected, endpoint=call.endpoint)
        scopes = (call.app, call.method)
        # The routing value's client is made (on first use) before the slot is taken, not
        # between the slot and its request.
        http = self.http.for_routing(call.routing, wide=on_wide_thread())
        if http is None:
            # The watchdog closed the client (deadline, signal, cancel): a retry, or the next
            # item of a batch, must not open a new connection and wait out its read timeout.
            # Fatal to the batch, like a deadline: the task unwinds at once.
            raise RateLimitBudgetExhausted(
                f"{call.where}: not sent, the run is stopping", endpoint=call.endpoint
            )
        try:
            slot = self.limiter.acquire(scopes, deadline=self.deadline)
        except InvalidKeyError as refused:  # by another thread's or process's response
            self.rejected = refused.status or 403
            raise InvalidKeyError(self.rejected, endpoint=call.endpoint) from None
        self.counters.add("api_requests_made")
        self.counters.usage.request(call.endpoint, call.routing)
        url = self.base_url.replace("{routing}", call.routing) + call.path
        try:
            response = http.get(url, params=call.params)
        except httpx.TransportError as exc:
            # Even a refused connection is stamped at its completion: telling it apart from a
            # timeout that reached Riot is not worth a slot's risk.
            self.limiter.observe([Announced(s) for s in scopes], answered=False, slot=slot)
            with self._reach_lock:
                self.reach.requests += 1
                self.reach.cause = f"{type(exc).__name__}: {exc}"[:200]
            raise _Retryable(f"{type(exc).__name__}: {exc}", None) from None
        status = response.status_code
        with self._reach_lock:
            self.reach.requests += 1
            self.reach.answered += 1
            self.reach.ok += status == 200
            self.reach.statuses[status] = self.reach.statuses.get(status, 0) + 1
        facts = RateHeaders.from_headers(response.headers)
        # A 429's block is recorded before anything else: until it is, this process's other
        # threads and every other process may still take slots in the blocked scope.
        limited = self._rate_limited(facts, call) if status == 429 else None
        # Riot counted the request at its arrival, some unknown time before now: the limiter
        # moves its stamp to now (see limiter.py for why that makes the windows safe).
        self.limiter.observe(
            [
                Announced(call.app, facts.app_limits, facts.app_counts),
                Announced(call.method, facts.method_limits, facts.method_counts),
            ],
            answered=status < 500,
            slot=slot,
        )
        if status in (401, 403):
            self.rejected = status
            self.limiter.reject(self.fingerprint, status)
            raise InvalidKeyError(status, endpoint=call.endpoint)
        self._key_ok.set()
        if status == 200:
            return response
        if limited is not None:
            self.counters.add("rate_limited_responses")
            self.counters.usage.rate_limited(call.endpoint, call.routing, facts.limit_type)
            raise limited
        if status >= 500:
            raise _Retryable(f"{call.where}: HTTP {status}", status)
        error: type[RiotAPIError] = {404: NotFoundError, 400: BadRequestError}.get(
            status, RiotAPIError
        )
        reason = {404: "not found", 400: "bad request"}.get(status, "unexpected status")
        raise error(
            f"{call.where}: {call.path}: {reason} ({status})", endpoint=call.endpoint, status=status
        )

    def _rate_limited(self, facts: RateHeaders, call: _Call) -> _RateLimited:
        where = call.where
        scope = {"application": call.app, "method": call.method}.get(facts.limit_type or "")
        if scope is not None and facts.retry_after is not None:
            log.warning(
                "429 (%s limit) on %s: Retry-After %gs", facts.limit_type, where, facts.retry_after
            )
            self.limiter.block(scope, facts.retry_after)
            return _RateLimited(0.0)  # the shared block makes acquire wait, in every process
        wait = facts.retry_after if facts.retry_after is not None else self.service_backoff
        log.warning("429 (%s) on %s: backing off %gs", facts.limit_type or "no type", where, wait)
        return _RateLimited(wait)
