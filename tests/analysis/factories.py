"""Builders for the analysis tests: in-memory ``PlayerFeatures`` and database rows.

``features(...)`` makes a player whose every match is ``factor`` times the lobby average (and
``opp_factor`` times the lane opponent). ``League`` inserts real players, queue-420 matches with
ten participants and rank snapshots, with lobby-relative stats set by a factor.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from riotjobs.analysis.features import MatchFeatures, PlayerFeatures, RankSnapshot, Stats

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AVERAGE = Stats(kda=2.5, damage=20_000, gold=11_000, cs=160, vision=25)
POSITIONS = ("TOP", "JUNGLE", "MIDDLE", "BOTTOM", "UTILITY")


def scaled(base: Stats, factor: float) -> Stats:
    return Stats(*(getattr(base, n) * factor for n in ("kda", "damage", "gold", "cs", "vision")))


def match(
    i: int,
    *,
    win: bool,
    factor: float = 1.0,
    opp_factor: float | None = None,
    position: str | None = "MIDDLE",
) -> MatchFeatures:
    mine = scaled(AVERAGE, factor)
    # The opponent is set so that mine / opponent == opp_factor on every stat.
    opp = None if opp_factor is None else scaled(AVERAGE, factor / opp_factor)
    return MatchFeatures(
        match_id=f"M_{i}",
        played_at=T0 + timedelta(hours=i),
        win=win,
        team_position=position,
        mine=mine,
        lobby=AVERAGE,
        lobby_size=10,
        opponent=opp,
    )


def features(
    *,
    n: int = 20,
    wins: int | None = None,
    factor: float = 1.0,
    opp_factor: float | None = None,
    level: int | None = 300,
    ranks: list[RankSnapshot] | None = None,
    win_pattern: list[bool] | None = None,
) -> PlayerFeatures:
    """A player with ``n`` matches; ``wins`` spread evenly unless ``win_pattern`` is given."""
    if win_pattern is None:
        w = n // 2 if wins is None else wins
        # Spread wins evenly over time (Bresenham) so chronological thirds get equal shares.
        win_pattern = [(i + 1) * w // n > i * w // n for i in range(n)] if n else []
    return PlayerFeatures(
        puuid="P",
        summoner_level=level,
        total_matches=n,
        matches=[
            match(i, win=win_pattern[i], factor=factor, opp_factor=opp_factor) for i in range(n)
        ],
        ranks=ranks or [],
    )


def snapshot(tier: str, rank: str, lp: int, games: int, day: int = 0) -> RankSnapshot:
    return RankSnapshot(T0 + timedelta(days=day), tier, rank, lp, games // 2, games - games // 2)


class League:
    """Inserts rows straight into the test database (the pipeline is not involved)."""

    def __init__(self, session: Any, seed: int = 7) -> None:
        self.session = session
        self.rng = random.Random(seed)
        self._ids = itertools.count(1)

    def player(self, puuid: str, *, level: int | None = 300, **fields: Any) -> str:
        from riotjobs.db.models import Player

        self.session.add(Player(puuid=puuid, platform="na1", summoner_level=level, **fields))
        self.session.commit()
        return puuid

    def _line(self, puuid: str, slot: int, factor: float, win: bool) -> dict[str, Any]:
        jitter = self.rng.uniform(0.9, 1.1) * factor
        position = POSITIONS[slot % 5]
        support = position == "UTILITY"
        return {
            "puuid": puuid,
            "participant_id": slot + 1,
            "team_id": 100 if slot < 5 else 200,
            "champion_id": 1,
            "team_position": position,
            "win": win,
            "kills": round(5 * jitter),
            "deaths": max(1, round(5 / jitter)),
            "assists": round(7 * jitter),
            "gold_earned": round(11_000 * jitter),
            "total_damage_dealt_to_champions": round(20_000 * jitter),
            "total_damage_taken": 20_000,
            "total_minions_killed": round((30 if support else 160) * jitter),
            "neutral_minions_killed": 0,
            "vision_score": round((60 if support else 25) * jitter),
            "summoner_level": 200,
            "time_played": 1800,
        }

    def match(
        self,
        puuid: str,
        *,
        win: bool = True,
        factor: float = 1.0,
        slot: int = 2,
        queue: int = 420,
        level: int | None = None,
        others: list[str] | None = None,
    ) -> str:
        """A 10-player match with ``puuid`` in ``slot``, playing ``factor`` times as well."""
        from sqlalchemy import insert

        from riotjobs.db.models import Match, MatchParticipant

        n = next(self._ids)
        match_id = f"NA1_{n}"
        self.session.add(
            Match(
                match_id=match_id,
                platform_id="NA1",
                queue_id=queue,
                game_creation=T0 + timedelta(hours=n),
                game_end=T0 + timedelta(hours=n, minutes=30),
                game_duration=1800,
                participant_count=10,
            )
        )
        self.session.flush()
        team_win = win if slot < 5 else not win
        fillers = iter(others or [f"F_{n}_{s}" for s in range(10)])
        rows = []
        for s in range(10):
            who = puuid if s == slot else next(fillers)
            row = self._line(who, s, factor if s == slot else 1.0, team_win == (s < 5))
            if s == slot and level is not None:
                row["summoner_level"] = level
            rows.append({"match_id": match_id, **row})
        self.session.execute(insert(MatchParticipant), rows)
        self.session.commit()
        return match_id

    def history(self, puuid: str, n: int, *, wins: int, factor: float = 1.0) -> None:
        for i in range(n):
            self.match(puuid, win=(i + 1) * wins // n > i * wins // n, factor=factor)

    def rank(self, puuid: str, tier: str, rank: str, lp: int, games: int, day: int) -> None:
        from riotjobs.db.models import PlayerRank

        self.session.add(
            PlayerRank(
                puuid=puuid,
                queue_type="RANKED_SOLO_5x5",
                tier=tier,
                rank=rank,
                league_points=lp,
                wins=games // 2,
                losses=games - games // 2,
                recorded_at=T0 + timedelta(days=day),
            )
        )
        self.session.commit()
