"""A load driver for the cross-process tests: one real process hammering the API for N seconds.

    RIOT_API_KEY=... python -m tests.riot._driver DB_URL BASE_URL SECONDS

It requests summoners as fast as its client allows until its deadline, then writes one JSON line
with its counters and the errors it saw to stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator

from riotjobs.counters import Counters
from riotjobs.riot import RateLimitBudgetExhausted, RiotAPIError, RiotClient
from riotjobs.riot.limiter import Limiter
from riotjobs.settings import Settings

# When each 429's block was committed (wall clock): from then on no slot may pass it.
BLOCKS_COMMITTED: list[float] = []
_block = Limiter.block


def _recorded_block(self: Limiter, scope: object, seconds: float) -> None:
    _block(self, scope, seconds)  # type: ignore[arg-type]
    BLOCKS_COMMITTED.append(time.time())


Limiter.block = _recorded_block  # type: ignore[method-assign]


def main() -> None:
    db_url, base_url, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    settings = Settings(RIOTJOBS_RIOT_BASE_URL=base_url)
    counters = Counters()
    deadline = time.monotonic() + seconds
    errors: Counter[str] = Counter()
    ok = 0
    stop = "items"

    def items() -> Iterator[str]:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            yield f"puuid-{os.getpid()}-{n}"

    with RiotClient(
        **settings.riot(), db_url=db_url, counters=counters, deadline=deadline
    ) as client:
        try:
            for _, result in client.gather(
                lambda p: client.summoner_by_puuid(p, platform="na1"), items()
            ):
                if isinstance(result, RiotAPIError):
                    errors[type(result).__name__] += 1
                else:
                    ok += 1
        except RateLimitBudgetExhausted:
            stop = "budget"
    doc = {
        "ok": ok,
        "errors": dict(errors),
        "stop": stop,
        "blocks_committed": BLOCKS_COMMITTED,
        **counters.as_dict(),
    }
    sys.stdout.write(json.dumps(doc) + "\n")


if __name__ == "__main__":
    main()
