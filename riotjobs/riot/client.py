"""``RiotClient``: typed, rate-limited, concurrent access to the Riot API endpoints riotjobs uses.

    client = RiotClient(api_key=key, base_url=url_template, db_url=url, deadline=ctx.deadline)
    for match_id, result in client.gather(lambda m: client.match(m, platform="euw1"), ids):
        if isinstance(result, RiotAPIError): ...   # one item failed; the batch goes on

Every call routes by platform (``routing.py``), takes a slot from the limiter shared through
Postgres (``limiter.py``), retries and maps failures (``_transport.py``) and validates the body
into a model (``models.py``): a malformed body raises ``MalformedResponseError`` naming the
endpoint and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from riotjobs.counters import Counters
from riotjobs.errors import ConfigError
from riotjobs.jobspec import PRIORITIES, Priority
from riotjobs.riot import _gather, routing
from riotjobs.riot._transport import Connections, Requester, TokenAuth, quiet_http_loggers
from riotjobs.riot._transport import Reach as Reach
from riotjobs.riot._wire import WireTransport, behind_proxy
from riotjobs.riot.errors import (
    BadRequestError,
    MalformedResponseError,
    RiotAPIError,
)
from riotjobs.riot.headers import fingerprint
from riotjobs.riot.limiter import DEFAULT_APP_LIMITS, DEFAULT_MARGIN, Limiter
from riotjobs.riot.models import Account, LeagueEntry, MatchDto, PlatformData, Summoner
from riotjobs.secret import Secret

if TYPE_CHECKING:
    import ssl

T = TypeVar("T")
R = TypeVar("R")

# A lane's first items (twice its threads) and last ones (at most this many, shared by the
# lanes of a batch) get a thread each, so its first and last windows leave at once
# (``_gather``). About one window of 50 a second; a smaller window takes what it can and the
# rest wait for the next, as they would anyway.
WIDE_WORKERS = 48


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    """Validators are built on first use (not at import) and reused."""
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]


class RiotClient:
    """The Riot API, for one run. Thread-safe; ``close()`` releases HTTP and DB connections."""

    def __init__(
        self,
        *,
        api_key: Secret | str | None,
        base_url: str,
        db_url: str,
        counters: Counters | None = None,
        deadline: float | None = None,
        transport: httpx.BaseTransport | None = None,
        max_workers: int = 16,
        wide_workers: int = WIDE_WORKERS,
        app_limits: str | None = None,  # None: the limiter's default until headers say more
        margin: float = DEFAULT_MARGIN,
        max_tries: int = 4,
        backoff_base: float = 0.5,
        service_backoff: float = 5.0,
        timeout: float = 10.0,
        priority: Priority = "normal",
        reserve: float = 0.0,  # runs pass jobs.yaml's (config.DEFAULT_RESERVE unless set)
    ) -> None:
        key = Secret(api_key) if isinstance(api_key, str) else api_key
        if key is None or not key.get_secret_value().strip():
            raise ConfigError("RIOT_API_KEY is not set: get a key at developer.riotgames.com")
        quiet_http_loggers()
        self.base_url = base_url
        self.counters = counters if counters is not None else Counters()
        self.deadline = deadline
        self.max_workers = max(1, max_workers)
        self.wide_workers = max(self.max_workers, wide_workers)
        self.fingerprint = fingerprint(key.get_secret_value())
        # The lane every request takes in the shared limiter; the runner sets it per task.
        self._limiter = Limiter(
            db_url, margin=margin, probe_timeout=timeout, lane=priority, reserve=reserve
        )
        http_timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        # gather runs up to max_workers threads per routing value, each client serves one, and
        # up to wide_workers more at the start and end of a batch, with clients of their own.
        steady = httpx.Limits(
            max_connections=self.max_workers * 2, max_keepalive_connections=self.max_workers
        )
        wide = httpx.Limits(
            max_connections=self.wide_workers, max_keepalive_connections=self.wide_workers
        )
        # One TLS context for every routing value's client: building one loads the CA bundle
        # (60-80 ms of CPU), which a run reaching eight routing values paid eight times, the
        # first of them between a lane's first slot and its request.
        tls: list[ssl.SSLContext] = []
        proxied = transport is None and behind_proxy()  # read once, like httpx does per client

        def make(for_wide: bool) -> httpx.Client:  # under Connections' lock
            if transport is None and not tls:
                tls.append(httpx.create_ssl_context())
            limits = wide if for_wide else steady
            wire = transport
            if wire is None and not proxied:
                # http.client's wire (``_wire``): a third of httpx's CPU per request.
                wire = WireTransport(
                    ssl_context=tls[0], max_idle=limits.max_keepalive_connections or 0
                )
            return httpx.Client(
                auth=TokenAuth(key),
                transport=wire,
                verify=tls[0] if tls else True,
                timeout=http_timeout,
                limits=limits,
                headers={"Accept": "application/json", "User-Agent": "riotjobs"},
            )

        self._http = Connections(make)
        self._requests = Requester(
            http=self._http,
            base_url=base_url,
            limiter=self._limiter,
            fingerprint=self.fingerprint,
            app_limits=app_limits or DEFAULT_APP_LIMITS,
            counters=self.counters,
            deadline=deadline,
            max_tries=max_tries,
            backoff_base=backoff_base,
            service_backoff=service_backoff,
        )

    @property
    def priority(self) -> Priority:
        """The limiter lane of this client's requests (README: Priorities)."""
        return self._limiter.lane

    @priority.setter
    def priority(self, lane: Priority) -> None:
        if lane not in PRIORITIES:
            raise ValueError(f"unknown priority {lane!r}")
        self._limiter.lane = lane

    def __repr__(self) -> str:
        return f"RiotClient(key={self.fingerprint}, base_url={self.base_url!r})"

    def __enter__(self) -> RiotClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reach(self) -> Reach:
        """How many requests went out, were answered, succeeded; by status; the last cause."""
        return self._requests.reach.copy()

    def close(self) -> None:
        self._http.close()
        self._limiter.close()

    # --- endpoints ------------------------------------------------------------------------------

    def account_by_riot_id(self, game_name: str, tag_line: str, *, platform: str) -> Account:
        """account-v1, on the platform's account region (sea platforms use asia)."""
        path = routing.ACCOUNT_BY_RIOT_ID.url_path(gameName=game_name, tagLine=tag_line)
        return self._get(routing.ACCOUNT_BY_RIOT_ID, platform, path, Account)

    def summoner_by_puuid(self, puuid: str, *, platform: str) -> Summoner:
        """summoner-v4. ``NotFoundError`` for a puuid unknown on the platform (likely banned)."""
        path = routing.SUMMONER_BY_PUUID.url_path(puuid=puuid)
        return self._get(routing.SUMMONER_BY_PUUID, platform, path, Summoner)

    def league_entries_by_puuid(self, puuid: str, *, platform: str) -> list[LeagueEntry]:
        path = routing.LEAGUE_ENTRIES_BY_PUUID.url_path(puuid=puuid)
        return self._get(routing.LEAGUE_ENTRIES_BY_PUUID, platform, path, list[LeagueEntry])

    def match_ids_by_puuid(
        self,
        puuid: str,
        *,
        platform: str,
        start_time: int | None = None,
        end_time: int | None = None,
        queue: int | None = None,
        type: str | None = None,  # Riot's parameter name
        start: int = 0,
        count: int = 20,
    ) -> list[str]:
        """match-v5 ids, newest first. ``start_time``/``end_time`` are epoch seconds."""
        params = {
            "startTime": start_time,
            "endTime": end_time,
            "queue": queue,
            "type": type,
            "start": start,
            "count": count,
        }
        path = routing.MATCH_IDS_BY_PUUID.url_path(puuid=puuid)
        return self._get(
            routing.MATCH_IDS_BY_PUUID,
            platform,
            path,
            list[str],
            {k: v for k, v in params.items() if v is not None},
        )

    def match(self, match_id: str, *, platform: str) -> MatchDto:
        path = routing.MATCH_BY_ID.url_path(matchId=match_id)
        return self._get(routing.MATCH_BY_ID, platform, path, MatchDto)

    def platform_status(self, *, platform: str) -> PlatformData:
        return self._get(
            routing.PLATFORM_STATUS, platform, routing.PLATFORM_STATUS.path, PlatformData
        )

    def _get(
        self,
        endpoint: routing.Endpoint,
        platform: str,
        path: str,
        kind: type[T],
        params: dict[str, Any] | None = None,
    ) -> T:
        try:
            value = endpoint.routing_value(platform)
        except ValueError as exc:
            raise BadRequestError(str(exc), endpoint=endpoint.name) from None
        response = self._requests.get(endpoint, value, path, params)
        where = f"{endpoint.name} on {value}"
        try:
            # Parsed and validated in one pass by pydantic-core, from the raw bytes: about
            # twice as fast as json.loads followed by validate_python, on every match body.
            result: T = _adapter(kind).validate_json(response.content)
            return result
        except ValidationError as exc:
            first = exc.errors()[0]
            if first["type"] == "json_invalid":
                raise MalformedResponseError(
                    f"{where}: the response body is not JSON", endpoint=endpoint.name, status=200
                ) from None
            field = ".".join(str(p) for p in first["loc"]) or "(body)"
            more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
            raise MalformedResponseError(
                f"{where}: malformed response: field {field}: {first['msg']}{more}",
                endpoint=endpoint.name,
                status=200,
            ) from None

    # --- concurrency ----------------------------------------------------------------------------

    def gather(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        max_workers: int | None = None,
        lane: Callable[[T], Hashable] | None = None,
    ) -> Iterator[tuple[T, R | RiotAPIError]]:
        """Run ``fn(item)`` on threads and yield ``(item, result)`` as each completes.

        The limiter, not the threads, sets the pace: they only keep enough requests in flight
        to hide network latency. Give ``lane`` (an item's routing value, say) when the items
        spend different budgets: each lane then gets its own threads, so one region waiting
        for its window never holds up another's requests. A ``RiotAPIError`` is yielded in
        place of the result, except ``InvalidKeyError`` and ``RateLimitBudgetExhausted``,
        which stop the batch: items not yet started are dropped, those already running finish
        and are yielded (their requests were paid for), then the error is raised. Any other
        exception (a database error) stops the batch the same way.
        """
        for ready in self.gather_ready(fn, items, max_workers=max_workers, lane=lane):
            yield from ready

    def gather_ready(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        max_workers: int | None = None,
        lane: Callable[[T], Hashable] | None = None,
    ) -> Iterator[list[tuple[T, R | RiotAPIError]]]:
        """``gather``, yielding every result that is ready at once as one list, so a consumer
        slower than the requests (one that stores each result) can handle them together.

        Threads are topped up before each list is yielded: requests go on while it is handled.
        """
        workers = max(1, max_workers or self.max_workers)
        wide = max(workers, self.wide_workers)
        return _gather.gather_ready(fn, items, workers=workers, lane=lane, wide=wide)
