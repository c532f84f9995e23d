"""The sandbox as a plain ASGI application.

``/{routing}/...`` serves the Riot endpoints. Order of checks for each request: routing value
(404 if unknown) -> path (404) -> method (405) -> API key (401 missing, 403 wrong or expired;
not counted) -> endpoint served on this routing kind (400) -> rate limits (counted; 429) ->
injected faults -> the answer, once the configured latency has passed since the request arrived
(``asyncio.sleep`` for what is left of it after the answer was built).
``/sandbox/...`` are the sandbox's own control endpoints: no key, not rate limited.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from pydantic_core import to_json

from riotjobs.sandbox import control, routes
from riotjobs.sandbox.clock import SandboxClock
from riotjobs.sandbox.config import ENDPOINTS, SandboxConfig
from riotjobs.sandbox.faults import Faults
from riotjobs.sandbox.league import League
from riotjobs.sandbox.limits import RateLimiter
from riotjobs.sandbox.stats import Stats

log = logging.getLogger("riotjobs.sandbox")
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
JSON_TYPE = (b"content-type", b"application/json;charset=utf-8")
_MATCH_CACHE = 512


def _encode(doc: Any) -> bytes:
    # pydantic-core's encoder: a quarter of the sandbox's time went to json.dumps on match
    # bodies, time a benchmark's client then lacked on a shared machine.
    return to_json(doc)


class SandboxApp:
    """State lives here and is touched only from the event loop thread."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.league = League(config)
        self.clock = SandboxClock(config.start_time, config.clock_speed)
        self.limiter = RateLimiter(
            config.app_limits(), {name: config.method_limit(name) for name in ENDPOINTS}
        )
        self.faults = Faults(config)
        self.stats = Stats()
        self.key_uses = 0
        self._key = config.api_key
        self._matches: OrderedDict[str, bytes] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        parts = scope["path"].split("/")[1:]
        if parts and parts[0] == "sandbox":
            status, body = await self._control(scope, receive, parts[1:])
            await _respond(send, status, body, [])
            return
        await self._riot(scope, send, parts)

    # -- Riot endpoints ---------------------------------------------------------------------
    async def _riot(self, scope: Scope, send: Send, parts: list[str]) -> None:
        arrived = time.monotonic()
        routing = parts[0] if parts else ""
        route = routes.match_route(parts[1:]) if routing in routes.ROUTINGS else None
        if route is None:
            self.stats.record(endpoint="unknown", routing="", status=404)
            await _respond(send, 404, _encode(routes.riot_error(404, "Not Found")), [])
            return
        status, body, headers = self._answer(scope, routing, route)
        self.stats.record(endpoint=route.endpoint, routing=routing, status=status)
        delay = self.faults.delay()
        if delay > self.config.latency_ms / 1000:
            self.stats.faults["slow"] += 1
        # The latency runs from the request's arrival, as a remote server's would: the time
        # this process took to build the answer (a burst of match bodies, on a machine the
        # client shares) is part of it, not added to it.
        delay -= time.monotonic() - arrived
        if delay > 0:
            await asyncio.sleep(delay)
        await _respond(send, status, body, headers)

    def _answer(
        self, scope: Scope, routing: str, route: routes.Route
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        if scope["method"] not in ("GET", "HEAD"):
            return 405, _encode(routes.riot_error(405, "Method not allowed")), []
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        key = _header(scope, b"x-riot-token") or query.get("api_key")
        if not key:
            return 401, _encode(routes.riot_error(401, "Unauthorized")), []
        if key != self._key:
            return 403, _encode(routes.riot_error(403, "Forbidden")), []
        self.key_uses += 1
        expire = self.config.expire_key_after
        if expire is not None and self.key_uses > expire:
            return 403, _encode(routes.riot_error(403, "Forbidden")), []
        if not routes.served_on(route.endpoint, routing):
            message = f"Bad Request - {route.endpoint} is not served on {routing}"
            return 400, _encode(routes.riot_error(400, message)), []
        decision = self.limiter.hit(routing, route.endpoint, time.monotonic())
        headers = decision.headers
        if decision.rejected_by is not None:
            scope_name = "application" if decision.rejected_by == "application" else "method"
            self.stats.limited(decision.rejected_by, f"{routing} {scope_name}:{route.endpoint}")
            headers = [
                *headers,
                (b"Retry-After", str(decision.retry_after).encode()),
                (b"X-Rate-Limit-Type", decision.rejected_by.encode()),
            ]
            return 429, _encode(routes.riot_error(429, "Rate limit exceeded")), headers
        fault = self.faults.draw()
        if fault == "service_429":
            self.stats.faults["service_429"] += 1
            self.stats.limited("service", f"{routing} service:{route.endpoint}")
            body, extra = self.faults.service_429()
            return 429, body, [*headers, *extra]
        if fault == "5xx":
            self.stats.faults["5xx"] += 1
            status, body = self.faults.server_error()
            return status, body, headers
        status, body = self._handle(routing, route, query)
        if fault == "malformed" and status == 200:
            self.stats.faults["malformed"] += 1
            body = self.faults.malform(body)
        return status, body, headers

    def _handle(
        self, routing: str, route: routes.Route, query: dict[str, str]
    ) -> tuple[int, bytes]:
        now = self.clock.now()
        league, params = self.league, route.params
        if route.endpoint == "match":
            return self._match(now, routing, params[0])
        if route.endpoint == "account":
            status, doc = routes.account(league, now, params[0], params[1])
        elif route.endpoint == "summoner":
            status, doc = routes.summoner(league, now, routing, params[0])
        elif route.endpoint == "league":
            status, doc = routes.league_entries(league, now, routing, params[0])
        elif route.endpoint == "ids":
            status, doc = routes.match_ids(league, now, routing, params[0], query)
        else:
            status, doc = routes.platform_data(routing)
        return status, _encode(doc)

    def _match(self, now: float, routing: str, match_id: str) -> tuple[int, bytes]:
        key = f"{routing}/{match_id}"
        cached = self._matches.get(key)
        if cached is not None:
            lobby = self.league.matches[match_id]
            if lobby.end <= now:
                self._matches.move_to_end(key)
                return 200, cached
        status, doc = routes.match(self.league, now, routing, match_id)
        body = _encode(doc)
        if status == 200:
            self._matches[key] = body
            if len(self._matches) > _MATCH_CACHE:
                self._matches.popitem(last=False)
        return status, body

    # -- control endpoints ------------------------------------------------------------------
    async def _control(self, scope: Scope, receive: Receive, parts: list[str]) -> tuple[int, bytes]:
        name = "/".join(parts)
        method = scope["method"]
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        now = self.clock.now()
        if method == "GET" and name == "stats":
            doc = self.stats.document(self.limiter.peaks())
            doc["key_uses"] = self.key_uses
            doc["clock"] = now
            return 200, _encode(doc)
        if method == "GET" and name == "arrivals":
            return 200, _encode(
                {"first_request_at": self.stats.first, "arrivals": self.stats.arrivals}
            )
        if method == "POST" and name == "reset-stats":
            self.stats.reset()
            self.limiter.reset_peaks(time.monotonic())
            return 200, _encode({"reset": True})
        if method == "GET" and name == "truth":
            return 200, _encode(control.truth(self.league, now))
        if method == "GET" and name == "players":
            limit = int(query.get("limit", "5")) if query.get("limit", "5").isdigit() else 5
            return 200, _encode(control.sample_players(self.league, now, limit))
        if method == "GET" and name == "clock":
            return 200, _encode({"now": now, "start": self.league.start})
        if method == "POST" and name == "advance":
            try:
                seconds = float(json.loads(await _body(receive) or b"{}").get("seconds", 0))
                now = self.clock.advance(seconds)
            except (ValueError, AttributeError, TypeError) as exc:
                return 400, _encode({"error": f"expected {{'seconds': N >= 0}}: {exc}"})
            self.league.simulate_until(now)
            return 200, _encode({"now": now})
        return 404, _encode({"error": f"no sandbox endpoint {method} /sandbox/{name}"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [JSON_TYPE, (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
