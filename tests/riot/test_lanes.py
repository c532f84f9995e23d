"""Priority lanes across processes: two real processes share one key through Postgres, against
the sandbox over HTTP. Everything is asserted from the sandbox's request log (its arrivals, in
order), never from timings: the high lane sends league requests, the low lane summoner ones,
both on na1, so they share the application scope and the log tells them apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from riotjobs.sandbox import SandboxHandle, serve_in_thread
from tests.sandbox.helpers import small_config

ROOT = Path(__file__).resolve().parents[2]
LIMIT = "10:2"  # small and short, so the test spans a few windows
HIGH, LOW = "league", "summoner"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with serve_in_thread(small_config(app_limit=LIMIT)) as sb:
        yield sb


def start(
    sb: SandboxHandle, db_url: str, lane: str, count: int, reserve: float
) -> subprocess.Popen[str]:
    endpoint = HIGH if lane == "high" else LOW
    env = {**os.environ, "RIOT_API_KEY": sb.api_key, "RIOTJOBS_ENV_FILE": "/nonexistent"}
    args = [db_url, sb.base_url_template, lane, endpoint, str(count), str(reserve)]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.riot._lane_driver", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> dict[str, int]:
    out, err = proc.communicate(timeout=180)  # "did not hang", with a generous margin
    assert proc.returncode == 0, err
    result: dict[str, int] = json.loads(out.strip().splitlines()[-1])
    return result


def arrivals(sb: SandboxHandle) -> list[tuple[str, int]]:
    """(endpoint, status) of every request, in arrival order."""
    log = sb._call("GET", "arrivals")["arrivals"]
    return [(endpoint, status) for _, _, endpoint, status in sorted(log, key=lambda a: a[0])]


def wait_for_arrivals(sb: SandboxHandle, count: int) -> None:
    for _ in range(600):  # bounded: 60 s at most
        if len(arrivals(sb)) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} requests reached the sandbox")


def test_a_waiting_high_lane_gets_the_next_free_slots(sandbox: SandboxHandle, db_url: str) -> None:
    # No reserve: the low lane fills every window, so the high lane has to wait for one.
    low = start(sandbox, db_url, "low", 50, reserve=0.0)
    wait_for_arrivals(sandbox, 12)  # the low lane holds the budget: its first window is full
    high = start(sandbox, db_url, "high", 15, reserve=0.0)  # more than one window's worth
    high_result, low_result = finish(high), finish(low)
    log = arrivals(sandbox)
    lanes = [endpoint for endpoint, _ in log]
    first, last = lanes.index(HIGH), len(lanes) - 1 - lanes[::-1].index(HIGH)
    assert lanes.count(HIGH) == 15 and lanes.count(LOW) == 50
    # Once the high lane waited, every slot went to it until it was done: no low request
    # arrived between its first and its last, though the low lane wanted slots throughout.
    assert LOW not in lanes[first:last], lanes
    assert LOW in lanes[:first] and LOW in lanes[last:]
    assert all(status != 429 for _, status in log)
    assert high_result["rate_limited_responses"] == low_result["rate_limited_responses"] == 0


def test_a_low_lane_finishes_while_the_high_lanes_are_idle(
    sandbox: SandboxHandle, db_url: str
) -> None:
    finish(start(sandbox, db_url, "high", 3, reserve=0.2))  # then idle
    result = finish(start(sandbox, db_url, "low", 25, reserve=0.2))
    log = arrivals(sandbox)
    assert [e for e, _ in log] == [HIGH] * 3 + [LOW] * 25
    assert all(status != 429 for _, status in log)
    assert result["api_requests_made"] == 25 and result["rate_limited_responses"] == 0
