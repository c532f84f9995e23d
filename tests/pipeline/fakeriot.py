"""A tiny in-memory Riot API behind ``httpx.MockTransport``, and a ``TaskContext`` on it.

For unit tests of the pipeline tasks: chosen histories, injected failures, and a log of every
request. Acceptance tests use the real sandbox over HTTP instead.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
from sqlalchemy.engine import Engine

from riotjobs.counters import Counters
from riotjobs.riot import routing
from riotjobs.riot.client import RiotClient
from riotjobs.settings import Settings
from riotjobs.tasks.base import TaskContext
from tests.pipeline.factories import match_doc

# The client's endpoints by the short names these tests count requests by.
_KINDS = {
    routing.MATCH_IDS_BY_PUUID.name: "ids",
    routing.MATCH_BY_ID.name: "match",
    routing.LEAGUE_ENTRIES_BY_PUUID.name: "league",
    routing.SUMMONER_BY_PUUID.name: "summoner",
    routing.ACCOUNT_BY_RIOT_ID.name: "account",
}


@dataclass
class FakeRiot:
    """Matches keyed by id, each player's history as (start second, match id)."""

    matches: dict[str, dict[str, Any]] = field(default_factory=dict)
    histories: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    leagues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    banned: set[str] = field(default_factory=set)
    accounts: dict[tuple[str, str], str] = field(default_factory=dict)
    # path regex -> (status, body); a status 200 with a non-JSON body is "malformed"
    faults: dict[str, tuple[int, str]] = field(default_factory=dict)
    # path regex -> seconds to wait before answering (to reorder concurrent responses)
    delays: dict[str, float] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_match(
        self, match_id: str, players: list[str], *, start_s: int, queue: int = 420, **kw: Any
    ) -> None:
        doc = match_doc(match_id, players, queue=queue, start_s=start_s, **kw)
        self.matches[match_id] = doc
        for who in players:
            if who != "BOT":
                self.histories.setdefault(who, []).append((start_s, queue, match_id))

    def count(self, kind: str) -> int:
        return sum(1 for k, _, _ in self.requests if k == kind)

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path)
        params = dict(request.url.params)
        served = routing.endpoint_of(request.url.raw_path.decode().partition("?")[0])
        kind = _KINDS.get(served[0].name) if served is not None else None
        if served is None or kind is None:
            return httpx.Response(404, json={"status": {"status_code": 404}})
        with self._lock:
            self.requests.append((kind, path, params))
        for rule, seconds in self.delays.items():
            if re.search(rule, path):
                time.sleep(seconds)
        for rule, (status, body) in self.faults.items():
            if re.search(rule, path):
                return httpx.Response(status, content=body.encode())
        return self._answer(kind, tuple(served[1].values()), params)

    def _answer(self, kind: str, args: tuple[str, ...], params: dict[str, str]) -> httpx.Response:
        if kind == "ids":
            history = sorted(self.histories.get(args[0], []), reverse=True)
            start_time = int(params.get("startTime", 0))
            queue = params.get("queue")
            ids = [
                mid
                for start, q, mid in history
                if start >= start_time and (queue is None or q == int(queue))
            ]
            first = int(params.get("start", 0))
            return httpx.Response(200, json=ids[first : first + int(params.get("count", 20))])
        if kind == "match":
            doc = self.matches.get(args[0])
            return httpx.Response(200, json=doc) if doc else httpx.Response(404, json={})
        if kind == "league":
            return httpx.Response(200, json=self.leagues.get(args[0], []))
        if kind == "summoner":
            if args[0] in self.banned:
                return httpx.Response(404, json={"status": {"status_code": 404}})
            return httpx.Response(
                200,
                json={
                    "puuid": args[0],
                    "summonerLevel": self.levels.get(args[0], 30),
                    "profileIconId": 1,
                    "revisionDate": 0,
                },
            )
        who = self.accounts.get((args[0].lower(), args[1].lower()))
        if who is None:
            return httpx.Response(404, json={"status": {"status_code": 404}})
        return httpx.Response(200, json={"puuid": who, "gameName": args[0], "tagLine": args[1]})


def settings() -> Settings:
    return Settings(
        RIOT_API_KEY="RGAPI-test-key-0000",
        RIOTJOBS_RIOT_BASE_URL="http://{routing}.riot.test",
    )


def client(
    fake: FakeRiot,
    db_url: str,
    counters: Counters | None = None,
    deadline: float | None = None,
    app_limits: str = "1000:1",
) -> RiotClient:
    return RiotClient(
        **settings().riot(),
        db_url=db_url,
        counters=counters,
        deadline=deadline,
        transport=httpx.MockTransport(fake.handler),
        app_limits=app_limits,
        backoff_base=0.01,
        max_tries=2,
        max_workers=4,
    )


@contextmanager
def task_context(
    fake: FakeRiot,
    engine: Engine,
    db_url: str,
    *,
    seconds: float = 60,
    app_limits: str = "1000:1",
) -> Iterator[TaskContext]:
    counters = Counters()
    deadline = time.monotonic() + seconds
    ctx = TaskContext(
        job_id="test",
        execution_id=1,
        settings=settings(),
        engine=engine,
        counters=counters,
        deadline=deadline,
        log=logging.getLogger("riotjobs.task.test"),
        riot_factory=lambda: client(fake, db_url, counters, deadline, app_limits),
    )
    try:
        yield ctx
    finally:
        ctx.close()
