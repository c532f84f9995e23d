"""Generated match-v5 bodies have the real responses' keys and plausible values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from riotjobs.sandbox.league import ARAM, ARENA, RANKED, League
from riotjobs.sandbox.matches import match_payload
from tests.sandbox.helpers import small_config


def _newest_real(riot_examples: Path, queue: int) -> dict[str, Any]:
    docs = [json.loads(p.read_text()) for p in sorted((riot_examples / "match-v5").glob("*.json"))]
    docs = [d for d in docs if d.get("info", {}).get("queueId") == queue]
    return max(docs, key=lambda d: d["info"]["gameCreation"])


def test_keys_match_a_recent_real_ranked_game(riot_examples: Path) -> None:
    real = _newest_real(riot_examples, RANKED)
    league = League(small_config())
    lobby = next(m for m in league.matches.values() if m.queue == RANKED)
    ours = match_payload(league, lobby)
    assert set(ours) == set(real)
    assert set(ours["metadata"]) == set(real["metadata"])
    assert set(ours["info"]) == set(real["info"])
    assert set(ours["info"]["teams"][0]) == set(real["info"]["teams"][0])
    assert set(ours["info"]["teams"][0]["objectives"]) == set(
        real["info"]["teams"][0]["objectives"]
    )
    real_participant = real["info"]["participants"][0]
    for participant in ours["info"]["participants"]:
        assert set(participant) == set(real_participant)
        assert set(participant["perks"]) == set(real_participant["perks"])
        assert set(participant["challenges"]) <= set(real_participant["challenges"])


def test_values_are_plausible_for_each_queue() -> None:
    league = League(small_config())
    bodies = {}
    for lobby in league.matches.values():
        if lobby.queue not in bodies:
            bodies[lobby.queue] = match_payload(league, lobby)
    ranked = bodies[RANKED]["info"]
    assert len(ranked["participants"]) == 10 and ranked["mapId"] == 11
    positions = [p["teamPosition"] for p in ranked["participants"]]
    assert positions == ["TOP", "JUNGLE", "MIDDLE", "BOTTOM", "UTILITY"] * 2
    wins = {t["teamId"]: t["win"] for t in ranked["teams"]}
    assert wins[100] != wins[200]
    for team in ranked["teams"]:
        members = [p for p in ranked["participants"] if p["teamId"] == team["teamId"]]
        assert team["objectives"]["champion"]["kills"] == sum(p["kills"] for p in members)
        assert all(p["win"] == team["win"] for p in members)
    kills = {t: sum(p["kills"] for p in ranked["participants"] if p["teamId"] == t) for t in wins}
    deaths = {t: sum(p["deaths"] for p in ranked["participants"] if p["teamId"] == t) for t in wins}
    assert deaths[100] >= kills[200] and deaths[200] >= kills[100]
    assert ranked["gameEndTimestamp"] > ranked["gameStartTimestamp"] > ranked["gameCreation"]
    assert 900 <= ranked["gameDuration"] <= 2900
    aram = bodies[ARAM]["info"]
    assert aram["gameMode"] == "ARAM" and len(aram["participants"]) == 10
    arena = bodies[ARENA]["info"]
    assert arena["gameMode"] == "CHERRY" and len(arena["participants"]) == 16
    placements = sorted({(p["playerSubteamId"], p["placement"]) for p in arena["participants"]})
    assert [p for _, p in placements] and sorted(p for _, p in placements) == list(range(1, 9))
