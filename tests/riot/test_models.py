"""The response models against the OpenAPI description and the real recorded matches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from riotjobs.riot.models import MODELS, MatchDto, ParticipantDto, RiotModel, Summoner


def schemas(riot_examples: Path) -> dict[str, Any]:
    doc = json.loads((riot_examples / "openapi-3.0.0.json").read_text())
    return dict(doc["components"]["schemas"])


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_required_fields_follow_the_openapi_required_lists(
    riot_examples: Path, model: type[RiotModel]
) -> None:
    schema = schemas(riot_examples)[model.__openapi__]
    required = set(schema.get("required", []))
    properties = set(schema["properties"])
    for name, field in model.model_fields.items():
        api_name = field.alias or name
        if api_name in properties:
            assert field.is_required() == (api_name in required), (
                f"{model.__name__}.{name} ({api_name}): required={field.is_required()}, "
                f"OpenAPI says {api_name in required}"
            )
        else:  # a field Riot has dropped from the schema (e.g. accountId) may only be optional
            assert not field.is_required(), f"{model.__name__}.{name} is not in the schema"


def test_every_recorded_match_parses(riot_examples: Path) -> None:
    files = sorted((riot_examples / "match-v5").glob("*.json"))
    assert files
    sizes = set()
    for path in files:
        match = MatchDto.model_validate_json(path.read_text())
        assert match.metadata.match_id == path.stem
        sizes.add(len(match.info.participants))
        for p in match.info.participants:
            assert p.puuid and p.champion_name
    assert {0, 1, 16} <= sizes  # the empty game, the 1-player mode and Arena


def test_snake_case_attributes_read_the_camel_case_fields(riot_examples: Path) -> None:
    match = MatchDto.model_validate_json(
        (riot_examples / "match-v5" / "JP1_444997552.json").read_text()
    )
    assert match.info.queue_id == 1710
    p = match.info.participants[0]
    raw = json.loads((riot_examples / "match-v5" / "JP1_444997552.json").read_text())
    first = raw["info"]["participants"][0]
    assert p.total_minions_killed == first["totalMinionsKilled"]
    assert p.time_ccing_others == first["timeCCingOthers"]
    assert p.placement == first["placement"]
    assert match.info.duration_seconds == raw["info"]["gameDuration"]


def test_unknown_fields_are_ignored_and_snake_case_names_are_accepted() -> None:
    summoner = Summoner.model_validate(
        {"puuid": "p", "summonerLevel": 3, "profileIconId": 1, "revisionDate": 2, "new": 1}
    )
    assert summoner.summoner_level == 3
    same = Summoner(puuid="p", summoner_level=3, profile_icon_id=1, revision_date=2)
    assert same == summoner


def test_a_missing_required_field_is_named() -> None:
    with pytest.raises(ValidationError, match="championName"):
        ParticipantDto.model_validate({"puuid": "p"})


def test_pre_11_20_durations_are_milliseconds() -> None:
    info = {
        "gameCreation": 1, "gameDuration": 1_800_000, "gameId": 1, "gameMode": "CLASSIC",
        "gameName": "", "gameStartTimestamp": 1, "gameType": "MATCHED_GAME",
        "gameVersion": "11.1", "mapId": 11, "platformId": "NA1", "queueId": 420,
        "participants": [], "teams": [],
    }  # fmt: skip
    match = MatchDto.model_validate(
        {"metadata": {"dataVersion": "2", "matchId": "NA1_1", "participants": []}, "info": info}
    )
    assert match.info.duration_seconds == 1800
