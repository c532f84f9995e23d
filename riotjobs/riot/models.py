"""Typed models of the Riot API responses riotjobs reads.

Attributes are snake_case with the API's camelCase names as aliases (``match.info.queue_id`` reads
``queueId``); both spellings are accepted when building a model. Unknown fields are ignored, so a
new field from Riot never breaks a run. A field is required exactly when the community OpenAPI
description (riotapi-schema) lists it as required; ``__openapi__`` names the schema each model
follows, and a test walks those ``required`` lists.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class RiotModel(BaseModel):
    """Base of every response model: camelCase aliases, unknown fields ignored, frozen."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )
    __openapi__: ClassVar[str] = ""


class Account(RiotModel):
    """account-v1 by-riot-id. ``game_name``/``tag_line`` may be absent for some accounts."""

    __openapi__ = "account-v1.AccountDto"

    puuid: str
    game_name: str | None = None
    tag_line: str | None = None


class Summoner(RiotModel):
    """summoner-v4 by-puuid. Riot dropped ``id``/``accountId`` from many responses in 2025."""

    __openapi__ = "summoner-v4.SummonerDTO"

    puuid: str
    summoner_level: int
    profile_icon_id: int
    revision_date: int  # epoch milliseconds
    id: str | None = None
    account_id: str | None = None


class LeagueEntry(RiotModel):
    """league-v4 entries by-puuid: one per ranked queue the player has played."""

    __openapi__ = "league-v4.LeagueEntryDTO"

    puuid: str
    queue_type: str
    league_points: int
    wins: int
    losses: int
    hot_streak: bool
    veteran: bool
    fresh_blood: bool
    inactive: bool
    tier: str | None = None  # absent for queues without tiers
    rank: str | None = None
    league_id: str | None = None
    summoner_id: str | None = None


class Metadata(RiotModel):
    __openapi__ = "match-v5.MetadataDto"

    data_version: str
    match_id: str
    participants: list[str]  # puuids


class ParticipantDto(RiotModel):
    """One player of a match. Arena (CHERRY) games have 16 and fill ``placement``."""

    __openapi__ = "match-v5.ParticipantDto"

    puuid: str
    participant_id: int
    team_id: int
    champion_id: int
    champion_name: str
    team_position: str
    individual_position: str
    lane: str
    role: str
    win: bool
    kills: int
    deaths: int
    assists: int
    champ_level: int
    summoner_level: int
    gold_earned: int
    gold_spent: int
    total_damage_dealt: int
    total_damage_dealt_to_champions: int
    total_damage_taken: int
    damage_dealt_to_objectives: int
    total_minions_killed: int
    neutral_minions_killed: int
    vision_score: int
    wards_placed: int
    wards_killed: int
    vision_wards_bought_in_game: int
    largest_multi_kill: int
    largest_killing_spree: int
    first_blood_kill: bool
    time_ccing_others: int = Field(alias="timeCCingOthers")
    total_time_spent_dead: int
    time_played: int  # seconds
    placement: int | None = None  # Arena: final placement of the player's team
    player_subteam_id: int | None = None
    subteam_placement: int | None = None
    riot_id_game_name: str | None = None
    riot_id_tagline: str | None = None
    # Not read: ``challenges`` (about 130 keys per participant in Riot's matches) is ignored
    # like any unknown field, which halves the CPU of validating a real match (0.40 -> 0.21 ms
    # over the 39 matches in riot-examples), time every other thread of a run waits for.


class BanDto(RiotModel):
    __openapi__ = "match-v5.BanDto"

    champion_id: int
    pick_turn: int


class ObjectiveDto(RiotModel):
    __openapi__ = "match-v5.ObjectiveDto"

    first: bool
    kills: int


class TeamDto(RiotModel):
    __openapi__ = "match-v5.TeamDto"

    team_id: int
    win: bool
    bans: list[BanDto]
    # baron, dragon, tower, ... keyed by name so new objectives (horde, atakhan) need no change.
    objectives: dict[str, ObjectiveDto]


class InfoDto(RiotModel):
    __openapi__ = "match-v5.InfoDto"

    game_creation: int  # epoch milliseconds
    game_duration: int  # seconds, or milliseconds before patch 11.20 (see duration_seconds)
    game_id: int
    game_mode: str
    game_name: str
    game_start_timestamp: int
    game_type: str
    game_version: str
    map_id: int
    platform_id: str
    queue_id: int
    participants: list[ParticipantDto]
    teams: list[TeamDto]
    game_end_timestamp: int | None = None
    end_of_game_result: str | None = None
    tournament_code: str | None = None

    @property
    def duration_seconds(self) -> int:
        """Game length in seconds. Riot's rule: ``gameDuration`` is in milliseconds when the
        response has no ``gameEndTimestamp`` (matches before patch 11.20), seconds otherwise."""
        if self.game_end_timestamp is None:
            return self.game_duration // 1000
        return self.game_duration


class MatchDto(RiotModel):
    """match-v5 match by id. An aborted game may have no participants and no teams."""

    __openapi__ = "match-v5.MatchDto"

    metadata: Metadata
    info: InfoDto


class PlatformData(RiotModel):
    """lol-status-v4 platform-data. Incidents and maintenances are kept as raw mappings."""

    __openapi__ = "lol-status-v4.PlatformDataDto"

    id: str
    name: str
    locales: list[str]
    maintenances: list[dict[str, Any]]
    incidents: list[dict[str, Any]]


MODELS: tuple[type[RiotModel], ...] = (
    Account,
    Summoner,
    LeagueEntry,
    Metadata,
    ParticipantDto,
    BanDto,
    ObjectiveDto,
    TeamDto,
    InfoDto,
    MatchDto,
    PlatformData,
)
