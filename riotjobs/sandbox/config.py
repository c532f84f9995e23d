"""The sandbox's settings: league size and labels, clock, rate limits and fault injection.

Limits use Riot's header syntax (``"20:1,100:120"`` = 20 requests per 1 s and 100 per 120 s).
Method limits are keyed by a short endpoint name (see ``ENDPOINTS``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from riotjobs.errors import UsageError
from riotjobs.sandbox.players import Mix

# Short endpoint name -> Riot's published dev-key method limit for it.
ENDPOINTS: dict[str, str] = {
    "account": "1000:60",  # account-v1 getByRiotId (region)
    "summoner": "1600:60",  # summoner-v4 getByPUUID (platform)
    "league": "100:60",  # league-v4 getLeagueEntriesByPUUID (platform)
    "ids": "2000:10",  # match-v5 getMatchIdsByPUUID (region)
    "match": "2000:10",  # match-v5 getMatch (region)
    "status": "20000:10",  # lol-status-v4 getPlatformData (platform)
}
DEFAULT_APP_LIMIT = "20:1,100:120"  # a development key's application limit
DEFAULT_API_KEY = "RGAPI-sandbox"
SLOT_SECONDS = 300  # a round of lobbies starts every five sandbox minutes
HISTORY_DAYS = 60  # the league has been playing this long before `start`

Limit = tuple[int, int]  # (requests, window seconds)
_MIX_FIELDS = ("bursty_share", "veteran_share", "new_account_share", "duo_share")
# The original league: dominant smurfs only, no confounders beyond the mild hard negatives.
EASY_MIX = {
    "smurf_share": 0.1,
    "bursty_share": 0.0,
    "veteran_share": 0.0,
    "new_account_share": 0.12,
    "duo_share": 0.0,
}


def parse_limits(spec: str) -> tuple[Limit, ...]:
    """``"20:1,100:120"`` -> ``((20, 1), (100, 120))``; ``"none"`` or ``""`` -> no limit."""
    text = spec.strip().lower()
    if text in ("", "none", "off"):
        return ()
    limits: list[Limit] = []
    for part in text.split(","):
        count, sep, seconds = part.strip().partition(":")
        if not sep or not count.isdigit() or not seconds.isdigit():
            raise UsageError(f"invalid rate limit {spec!r}: expected COUNT:SECONDS[,COUNT:SECONDS]")
        if int(count) < 1 or int(seconds) < 1:
            raise UsageError(f"invalid rate limit {spec!r}: counts and windows must be >= 1")
        limits.append((int(count), int(seconds)))
    return tuple(limits)


def format_limits(limits: tuple[Limit, ...]) -> str:
    return ",".join(f"{count}:{seconds}" for count, seconds in limits)


def parse_method_limits(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["match=500:10", "league=none"]`` -> overrides for ``SandboxConfig.method_limits``."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, spec = item.partition("=")
        name = name.strip()
        if not sep or name not in ENDPOINTS:
            raise UsageError(
                f"invalid method limit {item!r}: expected ENDPOINT=SPEC with ENDPOINT one of "
                + ", ".join(ENDPOINTS)
            )
        parse_limits(spec)
        out[name] = spec.strip()
    return out


def _default_start() -> float:
    now = int(time.time())
    return float(now - now % SLOT_SECONDS)


def _share(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"{name} must be between 0 and 1, got {value}")


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes a sandbox. Same config (including ``start``) -> same league."""

    seed: int = 7
    players: int = 1000
    smurf_share: float = 0.12
    ban_share: float = 0.3
    # The confounders (see ``players``); the defaults make detection a hard test. The old,
    # easy league is EASY_MIX: every confounder at 0 and new accounts at 12 %.
    bursty_share: float = 0.5
    veteran_share: float = 0.08
    new_account_share: float = 0.15
    duo_share: float = 0.03
    platforms: tuple[str, ...] = ("na1",)
    # Sandbox epoch seconds at server start; the history reaches HISTORY_DAYS before it.
    # None = the current time, rounded down to a slot.
    start: float | None = None
    clock_speed: float = 1.0
    latency_ms: float = 0.0
    slow_rate: float = 0.0
    slow_ms: float = 2000.0
    app_limit: str = DEFAULT_APP_LIMIT
    method_limits: dict[str, str] = field(default_factory=dict)
    fault_rate: float = 0.0
    service_429_rate: float = 0.0
    malformed_rate: float = 0.0
    expire_key_after: int | None = None
    api_key: str = DEFAULT_API_KEY

    def __post_init__(self) -> None:
        if self.players < 20:
            raise UsageError(f"players must be at least 20, got {self.players}")
        for name in ("smurf_share", "ban_share", "slow_rate", "fault_rate", *_MIX_FIELDS):
            _share(name, getattr(self, name))
        if self.new_account_share + 0.25 > 1.0:
            raise UsageError("new_account_share must not exceed 0.75")
        _share("service_429_rate", self.service_429_rate)
        _share("malformed_rate", self.malformed_rate)
        if self.fault_rate + self.service_429_rate + self.malformed_rate > 1.0:
            raise UsageError("fault_rate + service_429_rate + malformed_rate must not exceed 1")
        if self.clock_speed < 0 or self.latency_ms < 0 or self.slow_ms < 0:
            raise UsageError("clock_speed, latency_ms and slow_ms must not be negative")
        if self.expire_key_after is not None and self.expire_key_after < 0:
            raise UsageError("expire_key_after must not be negative")
        if not self.api_key:
            raise UsageError("api_key must not be empty")
        from riotjobs.settings import PLATFORMS

        unknown = [p for p in self.platforms if p not in PLATFORMS]
        if unknown or not self.platforms:
            raise UsageError(f"unknown platform(s) {unknown}; choose from {', '.join(PLATFORMS)}")
        parse_limits(self.app_limit)
        parse_method_limits([f"{k}={v}" for k, v in self.method_limits.items()])
        if self.start is None:
            object.__setattr__(self, "start", _default_start())

    def mix(self) -> Mix:
        return Mix(**{name: getattr(self, name) for name in ("smurf_share", *_MIX_FIELDS)})

    @property
    def start_time(self) -> float:
        assert self.start is not None  # set in __post_init__
        return self.start

    def app_limits(self) -> tuple[Limit, ...]:
        return parse_limits(self.app_limit)

    def method_limit(self, endpoint: str) -> tuple[Limit, ...]:
        return parse_limits(self.method_limits.get(endpoint, ENDPOINTS[endpoint]))
