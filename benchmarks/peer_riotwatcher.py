"""The peer: the tracked-player workload written the obvious way with riotwatcher.

For each puuid, sequentially: the ranked-solo match ids (count 100), then each of the oldest
``--matches`` of them, then the league entries. It stores nothing (which only flatters the
peer). On a 429 it sleeps for ``Retry-After`` and retries, as a user's loop would.

riotwatcher keeps its own, per-process rate limiter, fed by the ``X-*-Rate-Limit`` headers. To
keep that limiter active we do NOT use ``kernel_url`` (which switches it off); instead, after
constructing ``LolWatcher(api_key=...)`` (which resets the root URL), we point
``UrlConfig.root_url`` at the sandbox. riotwatcher formats that template with the routing value
it would put in the host (``na1``, or ``americas`` for match-v5) under the name ``{platform}``,
so the sandbox's ``http://127.0.0.1:P/{routing}`` becomes ``http://127.0.0.1:P/{platform}``.

    python benchmarks/peer_riotwatcher.py --template URL --key KEY --puuids A,B --matches 60
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from typing import Any


def run(
    *, template: str, key: str, puuids: list[str], matches: int, deadline_s: float | None
) -> dict[str, Any]:
    from riotwatcher import ApiError, LolWatcher
    from riotwatcher._apis import UrlConfig

    watcher = LolWatcher(api_key=key)
    UrlConfig.root_url = template.replace("{routing}", "{platform}")
    started = time.monotonic()
    stop = started + deadline_s if deadline_s else None
    done: dict[str, float] = {
        "requests": 0,
        "matches": 0,
        "players": 0,
        "retries_429": 0,
        "errors": 0,
    }

    def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        while True:
            if stop is not None and time.monotonic() >= stop:
                raise TimeoutError
            done["requests"] += 1
            try:
                return fn(*args, **kwargs)
            except ApiError as exc:
                if exc.response.status_code != 429:
                    done["errors"] += 1
                    return None
                done["retries_429"] += 1
                time.sleep(float(exc.response.headers.get("Retry-After", "1")))

    def work() -> None:
        try:
            for puuid in puuids:
                ids = call(watcher.match.matchlist_by_puuid, "na1", puuid, queue=420, count=100)
                for match_id in list(reversed(ids or []))[:matches]:
                    if call(watcher.match.by_id, "na1", match_id) is not None:
                        done["matches"] += 1
                call(watcher.league.by_puuid, "na1", puuid)
                done["players"] += 1
        except TimeoutError:
            pass

    # riotwatcher's limiter sleeps inside a call (up to a whole window): a daemon thread lets
    # the deadline end the run on time, like a job timeout would.
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(deadline_s)
    done["wall_s"] = round(time.monotonic() - started, 3)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", required=True, help="sandbox URL template with {routing}")
    parser.add_argument("--key", required=True)
    parser.add_argument("--puuids", required=True, help="comma-separated")
    parser.add_argument("--matches", type=int, default=60, help="matches per player")
    parser.add_argument("--deadline", type=float, default=None, help="stop after N seconds")
    args = parser.parse_args()
    result = run(
        template=args.template,
        key=args.key,
        puuids=[p for p in args.puuids.split(",") if p],
        matches=args.matches,
        deadline_s=args.deadline,
    )
    print(json.dumps(result), flush=True)
    os._exit(0)  # do not wait for a worker thread still asleep in riotwatcher's limiter


if __name__ == "__main__":
    main()
