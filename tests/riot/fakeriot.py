"""A minimal Riot API look-alike for the client's tests, served over real HTTP on loopback.

It enforces fixed-window application and method limits the way Riot does (a window starts at the
first request it counts), announces them in the ``X-*-Rate-Limit`` and ``-Count`` headers, answers
429 with ``X-Rate-Limit-Type`` and ``Retry-After``, checks ``X-Riot-Token``, and can inject 503s
and forced 429s. It records every request (arrival time, routing, method, status) so tests can
assert what reached the server. The base URL for a client is ``http://127.0.0.1:<port>/{routing}``.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from riotjobs.riot.routing import endpoint_of


@dataclass
class Hit:
    at: float  # time.monotonic() at arrival
    routing: str
    method: str
    status: int
    limit_type: str | None = None
    wall: float = 0.0  # time.time() at arrival, to compare with the database's clock


class FixedWindows:
    """Riot-style limits for one scope: each window starts at the first request it counts."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.limits = [(int(c), float(w)) for c, w in (p.split(":") for p in spec.split(","))]
        self.starts = [0.0] * len(self.limits)
        self.counts = [0] * len(self.limits)

    def check(self, now: float) -> float | None:
        """Seconds to retry after if the request would exceed a limit, else None (and count it)."""
        for i, (_, window) in enumerate(self.limits):
            if self.counts[i] and now >= self.starts[i] + window:
                self.counts[i] = 0
        for i, (count, window) in enumerate(self.limits):
            if self.counts[i] >= count:
                return self.starts[i] + window - now
        for i in range(len(self.limits)):
            if self.counts[i] == 0:
                self.starts[i] = now
            self.counts[i] += 1
        return None

    def count_header(self) -> str:
        return ",".join(f"{n}:{w:g}" for n, (_, w) in zip(self.counts, self.limits, strict=True))


@dataclass
class FakeRiot:
    key: str = "RGAPI-fake-test-key-0000"
    app_limits: str = "10:1,60:10"
    method_limits: dict[str, str] = field(default_factory=dict)
    default_method_limits: str = "1000:10"
    fail_rate: float = 0.0  # share of requests answered 503
    force_429: dict[int, tuple[str, int]] = field(default_factory=dict)  # n-th request → type, s
    announce: bool = True  # send the rate-limit headers
    examples: Path | None = None  # serve real match-v5 files from here
    latency: float = 0.0  # before the request is counted, like a slow connection
    slow: dict[int, float] = field(default_factory=dict)  # n-th request → extra seconds, likewise
    reply_jitter: float = 0.0  # up to this many seconds (seeded) after counting, before answering
    hits: list[Hit] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)  # 429s by type
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _scopes: dict[str, FixedWindows] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=lambda: random.Random(7))
    _received: int = 0
    _server: ThreadingHTTPServer | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                status, headers, body = fake.handle(self.path, self.headers.get("X-Riot-Token"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.base_url()

    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/{{routing}}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- behaviour ----------------------------------------------------------------------------

    def handle(self, raw_path: str, token: str | None) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self._received += 1
            delay = self.latency + self.slow.get(self._received, 0.0)
        if delay:
            time.sleep(delay)
        path = raw_path.partition("?")[0]
        _, routing, rest = path.split("/", 2)
        rest = "/" + rest
        # Routed by the client's own endpoint table, so a path the client builds wrong is unknown.
        served = endpoint_of(rest)
        method = served[0].name if served is not None else "unknown"
        with self._lock:
            now = time.monotonic()
            hit = Hit(now, routing, method, 200, wall=time.time())
            self.hits.append(hit)
            if token != self.key:
                hit.status = 403
                return 403, {}, b'{"status": {"message": "Forbidden", "status_code": 403}}'
            if len(self.hits) in self.force_429:
                kind, seconds = self.force_429[len(self.hits)]
                return self._limited(hit, kind, seconds, {})
            app = self._scope(f"app:{routing}", self.app_limits)
            meth = self._scope(
                f"method:{routing}:{method}",
                self.method_limits.get(method, self.default_method_limits),
            )
            headers: dict[str, str] = {}
            wait = app.check(now)
            if wait is not None:
                return self._limited(hit, "application", wait, headers)
            wait = meth.check(now)
            if wait is not None:
                return self._limited(hit, "method", wait, headers)
            if self.announce:
                headers = {
                    "X-App-Rate-Limit": app.spec,
                    "X-App-Rate-Limit-Count": app.count_header(),
                    "X-Method-Rate-Limit": meth.spec,
                    "X-Method-Rate-Limit-Count": meth.count_header(),
                }
            if self.fail_rate and self._rng.random() < self.fail_rate:
                hit.status = 503
                return 503, {}, b'{"status": {"message": "Service unavailable"}}'
            if "missing" in rest:
                hit.status = 404
                return 404, headers, b'{"status": {"message": "Data not found"}}'
            if "invalid" in rest:
                hit.status = 400
                return 400, headers, b'{"status": {"message": "Bad request"}}'
            if "broken" in rest:  # a 200 whose body lacks required fields
                return 200, headers, b'{"puuid": "broken"}'
            after = self._rng.uniform(0, self.reply_jitter) if self.reply_jitter else 0.0
        if after:
            time.sleep(after)
        return 200, headers, json.dumps(self.body(method, rest, routing)).encode()

    def _scope(self, name: str, spec: str) -> FixedWindows:
        if name not in self._scopes:
            self._scopes[name] = FixedWindows(spec)
        return self._scopes[name]

    def _limited(
        self, hit: Hit, kind: str, seconds: float, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        hit.status, hit.limit_type = 429, kind
        self.rejected[kind] += 1
        headers = {**headers, "X-Rate-Limit-Type": kind, "Retry-After": str(math.ceil(seconds))}
        return 429, headers, b'{"status": {"message": "Rate limit exceeded"}}'

    def body(self, method: str, path: str, routing: str) -> Any:
        last = path.rstrip("/").split("/")[-1]
        if method == "summoner-v4.by-puuid":
            return {"puuid": last, "summonerLevel": 30, "profileIconId": 1, "revisionDate": 1}
        if method == "account-v1.by-riot-id":
            parts = path.split("/")
            return {"puuid": f"puuid-{parts[-2]}", "gameName": parts[-2], "tagLine": parts[-1]}
        if method == "league-v4.entries-by-puuid":
            return []
        if method == "match-v5.ids-by-puuid":
            return [f"NA1_{i}" for i in range(5)]
        if method == "match-v5.match":
            if self.examples is not None and (self.examples / f"{last}.json").is_file():
                return json.loads((self.examples / f"{last}.json").read_text())
            return minimal_match(last)
        return {"id": routing.upper(), "name": routing, "locales": [], "maintenances": [],
                "incidents": []}  # fmt: skip

    # --- what reached the server ------------------------------------------------------------

    def ok(self) -> int:
        return sum(1 for h in self.hits if h.status == 200)


def minimal_match(match_id: str) -> dict[str, Any]:
    """A match with every field the OpenAPI description requires of the parts we model."""
    info = {
        "gameCreation": 1, "gameDuration": 1800, "gameId": 1, "gameMode": "CLASSIC",
        "gameName": "", "gameStartTimestamp": 1, "gameEndTimestamp": 2, "gameType": "MATCHED_GAME",
        "gameVersion": "14.1", "mapId": 11, "platformId": "NA1", "queueId": 420,
        "participants": [], "teams": [],
    }  # fmt: skip
    return {"metadata": {"dataVersion": "2", "matchId": match_id, "participants": []}, "info": info}
