"""Helpers of the CLI tests: players to list, show and report."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from riotjobs.db.models import SCORE_NAMES


def seed_players(engine: Engine) -> None:
    """Three players: Tracky#NA1 (tracked), Smurfy#EUW (flagged, confidence 0.83, ranked GOLD I)
    and Gone#BAN (banned)."""
    scores = ", ".join(f"{n}_score" for n in SCORE_NAMES)
    values = ", ".join(str(round(0.1 * (i + 1), 1)) for i in range(len(SCORE_NAMES)))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO players (puuid, game_name, tag_line, platform, is_tracked,"
                " summoner_level) VALUES"
                " ('p-tracked-0000000000000000', 'Tracky', 'NA1', 'na1', true, 250),"
                " ('p-smurf-00000000000000000', 'Smurfy', 'EUW', 'na1', false, 31),"
                " ('p-banned-0000000000000000', 'Gone', 'BAN', 'na1', false, 40)"
            )
        )
        conn.execute(text("UPDATE players SET is_banned = true WHERE game_name = 'Gone'"))
        conn.execute(
            text(
                f"INSERT INTO player_analysis (puuid, analysis_version, sample_size,"
                f" total_matches, {scores}, confidence, is_smurf, details)"
                f" VALUES ('p-smurf-00000000000000000', 'v1', 20, 20, {values}, 0.83, true, '{{}}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO player_ranks (puuid, queue_type, tier, rank, league_points, wins,"
                " losses) VALUES ('p-smurf-00000000000000000', 'RANKED_SOLO_5x5', 'GOLD', 'I',"
                " 12, 30, 5)"
            )
        )
