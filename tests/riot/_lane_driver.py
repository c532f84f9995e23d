"""A driver for the priority-lane tests: one real process sending N requests in one lane.

    RIOT_API_KEY=... python -m tests.riot._lane_driver DB_URL BASE_URL LANE ENDPOINT N RESERVE

``ENDPOINT`` is ``summoner`` or ``league`` (both on na1, so both share the app scope): the
sandbox's request log tells the two lanes apart by it. Prints one JSON line with its counters.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from typing import cast

from riotjobs.config import Settings
from riotjobs.counters import Counters
from riotjobs.jobspec import Priority
from riotjobs.riot import RiotAPIError, RiotClient


def main() -> None:
    db_url, base_url, lane, endpoint = sys.argv[1:5]
    count, reserve = int(sys.argv[5]), float(sys.argv[6])
    settings = Settings(RIOTJOBS_RIOT_BASE_URL=base_url)
    counters = Counters()
    errors: Counter[str] = Counter()
    ok = 0
    with RiotClient(
        **settings.riot(),
        db_url=db_url,
        counters=counters,
        deadline=time.monotonic() + 120,
        priority=cast(Priority, lane),
        reserve=reserve,
    ) as client:
        summoner = endpoint == "summoner"
        call = client.summoner_by_puuid if summoner else client.league_entries_by_puuid
        puuids = [f"puuid-{lane}-{n}" for n in range(count)]
        for _, result in client.gather(lambda p: call(p, platform="na1"), puuids):
            if isinstance(result, RiotAPIError):
                errors[type(result).__name__] += 1
            else:
                ok += 1
    doc = {"ok": ok, "errors": dict(errors), **counters.as_dict()}
    sys.stdout.write(json.dumps(doc) + "\n")


if __name__ == "__main__":
    main()
