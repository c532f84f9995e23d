"""Every endpoint's 200 answers validate against the community OpenAPI description."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator

from riotjobs.sandbox import SandboxHandle

PATHS = {
    "account": "/riot/account/v1/accounts/by-riot-id/{gameName}/{tagLine}",
    "summoner": "/lol/summoner/v4/summoners/by-puuid/{encryptedPUUID}",
    "league": "/lol/league/v4/entries/by-puuid/{encryptedPUUID}",
    "ids": "/lol/match/v5/matches/by-puuid/{puuid}/ids",
    "match": "/lol/match/v5/matches/{matchId}",
    "status": "/lol/status/v4/platform-data",
}


@pytest.fixture
def spec(riot_examples: Path) -> dict[str, Any]:
    return dict(json.loads((riot_examples / "openapi-3.0.0.json").read_text()))


def validate(spec: dict[str, Any], endpoint: str, doc: Any) -> None:
    schema = spec["paths"][PATHS[endpoint]]["get"]["responses"]["200"]["content"]
    # Inline the components so the schema's "#/components/..." references resolve.
    root = {**schema["application/json"]["schema"], "components": spec["components"]}
    OAS30Validator(root).validate(doc)


def test_all_six_endpoints_match_the_openapi_schemas(
    spec: dict[str, Any], sandbox: SandboxHandle, client: httpx.Client
) -> None:
    player = sandbox.players(1)[0]
    puuid = player["puuid"]
    answers = {
        "account": client.get(
            f"/americas/riot/account/v1/accounts/by-riot-id/{player['game_name']}/"
            f"{player['tag_line']}"
        ),
        "summoner": client.get(f"/na1/lol/summoner/v4/summoners/by-puuid/{puuid}"),
        "league": client.get(f"/na1/lol/league/v4/entries/by-puuid/{puuid}"),
        "ids": client.get(f"/americas/lol/match/v5/matches/by-puuid/{puuid}/ids?count=100"),
        "status": client.get("/na1/lol/status/v4/platform-data"),
    }
    for endpoint, response in answers.items():
        assert response.status_code == 200, endpoint
        validate(spec, endpoint, response.json())
    assert answers["league"].json(), "a tracked-quality player is ranked"
    assert len(answers["ids"].json()) == 100
    with pytest.raises(ValidationError):  # the check has teeth
        validate(spec, "summoner", {**answers["summoner"].json(), "summonerLevel": "30"})


def test_match_bodies_of_every_queue_validate(
    spec: dict[str, Any], sandbox: SandboxHandle, client: httpx.Client
) -> None:
    league = sandbox.app.league
    seen: dict[int, str] = {}
    for lobby in league.matches.values():
        if lobby.end <= league.start:
            seen.setdefault(lobby.queue, lobby.match_id)
    assert set(seen) == {420, 450, 1700}
    for match_id in seen.values():
        response = client.get(f"/americas/lol/match/v5/matches/{match_id}")
        assert response.status_code == 200
        validate(spec, "match", response.json())
