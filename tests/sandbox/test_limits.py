"""The sandbox enforces Riot-style limits exactly: fixed windows per routing value and scope."""

from __future__ import annotations

import time

import httpx

from riotjobs.sandbox import serve_in_thread
from riotjobs.sandbox.limits import RateLimiter
from tests.sandbox.helpers import small_config

STATUS = "/lol/status/v4/platform-data"


def test_window_starts_at_first_request_and_resets_after_its_length() -> None:
    limiter = RateLimiter(((3, 10),), {"status": ()})
    assert [limiter.hit("na1", "status", t).rejected_by for t in (100.0, 101, 102)] == [None] * 3
    over = limiter.hit("na1", "status", 109.5)
    assert over.rejected_by == "application" and over.retry_after == 1  # 0.5 s, rounded up
    assert limiter.hit("na1", "status", 110.0).rejected_by is None  # a new window from 110
    assert (b"X-App-Rate-Limit-Count", b"1:10") in limiter.hit("kr", "status", 110).headers
    assert limiter.peaks()[1]["peak"] == 4 and limiter.peaks()[1]["exceeded"]


def test_n_plus_one_requests_give_exactly_one_429_per_routing_and_scope() -> None:
    config = small_config(app_limit="5:30,8:60", method_limits={"status": "3:30"})
    with (
        serve_in_thread(config) as sb,
        httpx.Client(base_url=sb.root_url, headers={"X-Riot-Token": sb.api_key}) as client,
    ):
        # Method limit 3 per 30 s on na1: the fourth status call is the only 429.
        answers = [client.get(f"/na1{STATUS}") for _ in range(4)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429]
        last = answers[-1]
        assert last.headers["X-Rate-Limit-Type"] == "method"
        assert 1 <= int(last.headers["Retry-After"]) <= 30
        assert last.headers["X-Method-Rate-Limit"] == "3:30"
        assert last.headers["X-Method-Rate-Limit-Count"] == "4:30"
        assert last.headers["X-App-Rate-Limit"] == "5:30,8:60"
        assert last.headers["X-App-Rate-Limit-Count"] == "4:30,4:60"
        assert answers[0].headers["X-Method-Rate-Limit-Count"] == "1:30"

        # Another routing value has its own windows.
        assert client.get(f"/euw1{STATUS}").status_code == 200

        # The application limit (5 per 30 s) on na1: the sixth request overall is refused.
        puuid = sb.players(1)[0]["puuid"]
        league = [client.get(f"/na1/lol/league/v4/entries/by-puuid/{puuid}") for _ in range(2)]
        assert [r.status_code for r in league] == [200, 429]
        assert league[1].headers["X-Rate-Limit-Type"] == "application"
        assert league[1].headers["X-App-Rate-Limit-Count"] == "6:30,6:60"
        assert league[1].headers["X-Method-Rate-Limit-Count"] == "2:60"

        stats = sb.stats()
        assert stats["rate_limited"]["by_type"] == {"application": 1, "method": 1}
        assert stats["rate_limited"]["by_scope"] == {
            "na1 application:league": 1,
            "na1 method:status": 1,
        }
        peaks = {(w["routing"], w["scope"], w["limit"]): w["peak"] for w in stats["windows"]}
        assert peaks[("na1", "method:status", "3:30")] == 4
        assert peaks[("na1", "application", "5:30")] == 6
        assert peaks[("euw1", "application", "5:30")] == 1


def test_retry_after_is_honest() -> None:
    with (
        serve_in_thread(small_config(app_limit="2:1")) as sb,
        httpx.Client(base_url=sb.root_url, headers={"X-Riot-Token": sb.api_key}) as client,
    ):
        codes = [client.get(f"/kr{STATUS}").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        time.sleep(1.05)
        assert client.get(f"/kr{STATUS}").status_code == 200


def test_no_limit_means_no_rate_headers_for_that_scope() -> None:
    with serve_in_thread(small_config(method_limits={"status": "none"})) as sb:
        response = httpx.get(f"{sb.root_url}/na1{STATUS}", headers={"X-Riot-Token": sb.api_key})
        assert response.status_code == 200
        assert "X-App-Rate-Limit" not in response.headers
        assert "X-Method-Rate-Limit" not in response.headers
