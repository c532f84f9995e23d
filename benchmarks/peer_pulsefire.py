"""The async peer: the tracked-player workload written the natural way with pulsefire.

Every player is listed at once, and each listing at once requests the player's league entries
and the oldest ``--matches`` of its ranked-solo ids, all concurrently (``asyncio.gather``). It
stores nothing (which only flatters the peer). pulsefire's default middlewares stay on: JSON
decoding, its HTTP error middleware (retries 429s and 5xx with exponential back-off, 3 times)
and its ``RiotAPIRateLimiter``, which learns the limits from the response headers. Only
``base_url`` points at the sandbox: ``{region}`` is where pulsefire puts the routing value.

pulsefire needs Python >= 3.12, so this script runs in its own virtualenv (the benchmarks make
one under ``.bench/``, see ``_common.pulsefire_python``) and imports nothing from riotjobs.

    .bench/pulsefire/bin/python benchmarks/peer_pulsefire.py --template URL --key KEY \\
        --puuids A,B --matches 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any


async def run(
    *, template: str, key: str, puuids: list[str], matches: int, deadline_s: float | None
) -> dict[str, Any]:
    from pulsefire.clients import RiotAPIClient

    done = {"matches": 0, "players": 0, "errors": 0, "timed_out": False}
    started = time.monotonic()

    async with RiotAPIClient(
        base_url=template.replace("{routing}", "{region}"),
        default_headers={"X-Riot-Token": key},
    ) as client:

        async def fetch_match(match_id: str) -> None:
            try:
                await client.get_lol_match_v5_match(region="americas", id=match_id)
                done["matches"] += 1
            except Exception:  # a 4xx, or a 429/5xx after pulsefire's retries
                done["errors"] += 1

        async def fetch_league(puuid: str) -> None:
            try:
                await client.get_lol_league_v4_entries_by_puuid(region="na1", puuid=puuid)
            except Exception:
                done["errors"] += 1

        async def player(puuid: str) -> None:
            try:
                ids = await client.get_lol_match_v5_match_ids_by_puuid(
                    region="americas", puuid=puuid, queries={"queue": 420, "count": 100}
                )
            except Exception:
                done["errors"] += 1
                return
            oldest = list(reversed(ids))[:matches]
            await asyncio.gather(fetch_league(puuid), *(fetch_match(m) for m in oldest))
            done["players"] += 1

        work = asyncio.gather(*(player(p) for p in puuids))
        try:
            await asyncio.wait_for(work, deadline_s)
        except TimeoutError:  # like a job timeout: what is still waiting is abandoned
            done["timed_out"] = True
    return {**done, "wall_s": round(time.monotonic() - started, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", required=True, help="sandbox URL template with {routing}")
    parser.add_argument("--key", required=True)
    parser.add_argument("--puuids", required=True, help="comma-separated")
    parser.add_argument("--matches", type=int, default=60, help="matches per player")
    parser.add_argument("--deadline", type=float, default=None, help="stop after N seconds")
    args = parser.parse_args()
    result = asyncio.run(
        run(
            template=args.template,
            key=args.key,
            puuids=[p for p in args.puuids.split(",") if p],
            matches=args.matches,
            deadline_s=args.deadline,
        )
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
