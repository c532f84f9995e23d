"""The endpoints over real HTTP: routing, auth, parameters, and the control endpoints."""

from __future__ import annotations

import httpx

from riotjobs.sandbox import SandboxHandle, serve_in_thread
from tests.sandbox.helpers import small_config

STATUS = "/na1/lol/status/v4/platform-data"


def test_key_is_checked_like_riot(sandbox: SandboxHandle) -> None:
    missing = httpx.get(sandbox.root_url + STATUS)
    wrong = httpx.get(sandbox.root_url + STATUS, headers={"X-Riot-Token": "RGAPI-wrong"})
    query = httpx.get(sandbox.root_url + STATUS, params={"api_key": sandbox.api_key})
    assert missing.status_code == 401
    assert missing.json() == {"status": {"message": "Unauthorized", "status_code": 401}}
    assert wrong.status_code == 403 and wrong.json()["status"]["status_code"] == 403
    assert query.status_code == 200


def test_key_expires_after_n_requests() -> None:
    with serve_in_thread(small_config(expire_key_after=3)) as sb:
        headers = {"X-Riot-Token": sb.api_key}
        codes = [httpx.get(sb.root_url + STATUS, headers=headers).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 403, 403]


def test_routing_errors(sandbox: SandboxHandle, client: httpx.Client) -> None:
    puuid = sandbox.players(1)[0]["puuid"]
    assert client.get("/atlantis/lol/status/v4/platform-data").status_code == 404
    assert client.get("/na1/lol/nothing/here").status_code == 404
    # Platform endpoint on a region and region endpoint on a platform: 400.
    assert client.get(f"/americas/lol/summoner/v4/summoners/by-puuid/{puuid}").status_code == 400
    assert client.get(f"/na1/lol/match/v5/matches/by-puuid/{puuid}/ids").status_code == 400
    assert client.get("/sea/riot/account/v1/accounts/by-riot-id/a/b").status_code == 400
    # The right kind of routing value but the wrong one for this player.
    assert client.get(f"/euw1/lol/summoner/v4/summoners/by-puuid/{puuid}").status_code == 404
    assert client.get(f"/europe/lol/match/v5/matches/by-puuid/{puuid}/ids").json() == []
    assert client.get("/na1/lol/summoner/v4/summoners/by-puuid/not-a-puuid").status_code == 400
    assert client.post(STATUS).status_code == 405


def test_match_ids_parameters(sandbox: SandboxHandle, client: httpx.Client) -> None:
    puuid = sandbox.players(1)[0]["puuid"]
    url = f"/americas/lol/match/v5/matches/by-puuid/{puuid}/ids"
    default = client.get(url).json()
    assert len(default) == 20
    everything = client.get(url, params={"count": 100}).json()
    assert everything[:20] == default
    ranked = client.get(url, params={"queue": 420, "count": 100}).json()
    assert ranked and set(ranked) <= set(
        client.get(url, params={"type": "ranked", "count": 100}).json()
    )
    page2 = client.get(url, params={"start": 20, "count": 20}).json()
    assert page2 == everything[20:40]
    starts = [client.get(f"/americas/lol/match/v5/matches/{m}").json()["info"] for m in default[:5]]
    created = [info["gameStartTimestamp"] for info in starts]
    assert created == sorted(created, reverse=True)  # newest first
    middle = created[2] // 1000
    window = client.get(url, params={"startTime": middle, "count": 100}).json()
    assert window == default[:3]
    before = client.get(url, params={"endTime": middle, "count": 5}).json()
    assert before[0] == default[2]
    assert client.get(url, params={"count": 101}).status_code == 400
    assert client.get(url, params={"type": "arcade"}).status_code == 400
    assert client.get("/americas/lol/match/v5/matches/NA1_1").status_code == 404
    assert client.get(f"/europe/lol/match/v5/matches/{default[0]}").status_code == 404


def test_banned_smurf_404s_on_summoner_but_keeps_its_account(
    sandbox: SandboxHandle, client: httpx.Client
) -> None:
    truth = sandbox.truth()
    assert truth["counts"]["players"] == 300
    banned = next(p for p in truth["players"] if p["banned"])
    assert banned["smurf"]
    name, tag = banned["riot_id"].split("#")
    account = client.get(f"/americas/riot/account/v1/accounts/by-riot-id/{name}/{tag}")
    assert account.status_code == 200 and account.json()["puuid"] == banned["puuid"]
    summoner = client.get(f"/na1/lol/summoner/v4/summoners/by-puuid/{banned['puuid']}")
    assert summoner.status_code == 404
    entries = client.get(f"/na1/lol/league/v4/entries/by-puuid/{banned['puuid']}")
    assert entries.status_code == 200 and entries.json() == []


def test_advance_makes_new_matches_appear_and_stats_count_everything() -> None:
    with (
        serve_in_thread(small_config()) as sb,
        httpx.Client(base_url=sb.root_url, headers={"X-Riot-Token": sb.api_key}) as client,
    ):
        before = sb.truth()["counts"]["matches"]
        start = sb.now()
        assert sb.advance(86400) >= start + 86400
        assert sb.truth()["counts"]["matches"] > before + 40
        sb.reset_stats()
        client.get(STATUS)
        client.get("/na1/lol/summoner/v4/summoners/by-puuid/nope")
        stats = sb.stats()
        assert stats["requests"]["total"] == 2
        assert stats["requests"]["by_endpoint"] == {"status": 1, "summoner": 1}
        assert stats["requests"]["by_status"] == {"200": 1, "400": 1}
        assert stats["span_seconds"] >= 0
        assert httpx.post(sb.root_url + "/sandbox/advance", json={"seconds": -5}).status_code == 400


def test_sample_players_are_normal_and_busy(sandbox: SandboxHandle) -> None:
    sample = sandbox.players(4)
    labels = {p["puuid"]: p for p in sandbox.truth()["players"]}
    assert len(sample) == 4
    assert all(not labels[p["puuid"]]["smurf"] and p["ranked_matches"] >= 40 for p in sample)
