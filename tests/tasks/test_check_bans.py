"""`check_bans` over a MockTransport Riot API and real Postgres."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from riotjobs.db.models import SCORE_NAMES
from riotjobs.tasks.check_bans import Config, run
from tests.pipeline import factories as f
from tests.pipeline.fakeriot import FakeRiot, task_context

_SCORES = ", ".join(f"{n}_score" for n in SCORE_NAMES)


def _q(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _player(
    engine: Engine, who: str, *, smurf: bool, confidence: float = 0.8, checked: str | None = None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO players (puuid, platform, game_name, tag_line, is_analyzed,"
                " last_ban_check)"
                " VALUES (:p, 'na1', 'Smurfy', 'NA1', true, CAST(:c AS timestamptz))"
            ),
            {"p": who, "c": checked},
        )
        conn.execute(
            text(
                f"INSERT INTO player_analysis (puuid, analysis_version, sample_size, total_matches,"
                f" {_SCORES}, confidence, is_smurf, details)"
                f" VALUES (:p, 't', 20, 20, {', '.join(['0.5'] * 9)}, :c, :s, '{{}}')"
            ),
            {"p": who, "c": confidence, "s": smurf},
        )


def test_active_and_banned_smurfs(engine: Engine, db_url: str) -> None:
    active, banned, clean = f.puuid(1), f.puuid(2), f.puuid(3)
    _player(engine, active, smurf=True)
    _player(engine, banned, smurf=True, confidence=0.91)
    _player(engine, clean, smurf=False)
    fake = FakeRiot(banned={banned}, levels={active: 123})
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config())
    assert outcome.status == "success"
    assert fake.count("summoner") == 2
    assert ctx.counters.get("ban_checks") == 2
    assert _q(engine, "SELECT summoner_level FROM players WHERE puuid = :p", p=active) == 123
    assert _q(engine, "SELECT is_banned FROM players WHERE puuid = :p", p=banned) is True
    assert _q(engine, "SELECT count(*) FROM players WHERE last_ban_check IS NOT NULL") == 2
    assert [(e.kind, e.data) for e in ctx.events] == [
        (
            "banned",
            {"puuid": banned, "riot_id": "Smurfy#NA1", "platform": "na1", "confidence": 0.91},
        )
    ]


def test_recent_checks_are_not_repeated_and_ban_is_announced_once(
    engine: Engine, db_url: str
) -> None:
    banned = f.puuid(2)
    _player(engine, banned, smurf=True)
    _player(engine, f.puuid(4), smurf=True, checked="now()")
    fake = FakeRiot(banned={banned})
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config())
    first_ban = _q(engine, "SELECT banned_at FROM players WHERE puuid = :p", p=banned)
    assert fake.count("summoner") == 1
    # Due again (ban_check_days=0): checked again, but not announced again, banned_at kept.
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config(ban_check_days=0))
    assert fake.count("summoner") == 3
    assert ctx.events == []
    assert _q(engine, "SELECT banned_at FROM players WHERE puuid = :p", p=banned) == first_ban


def test_other_errors_skip_the_player_without_recording_a_check(
    engine: Engine, db_url: str
) -> None:
    who = f.puuid(5)
    _player(engine, who, smurf=True)
    fake = FakeRiot()
    fake.faults["/summoners/"] = (500, "")
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config())
    assert outcome.status == "partial"
    assert ctx.counters.get("ban_checks") == 0
    assert _q(engine, "SELECT last_ban_check FROM players") is None


def test_per_run_cap_checks_never_checked_first(engine: Engine, db_url: str) -> None:
    old, never = f.puuid(6), f.puuid(7)
    _player(engine, old, smurf=True, checked="2000-01-01")
    _player(engine, never, smurf=True)
    fake = FakeRiot()
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config(ban_checks_per_run=1))
    assert [path.rsplit("/", 1)[1] for k, path, _ in fake.requests] == [never]


def test_lifted_ban_is_recorded(engine: Engine, db_url: str) -> None:
    who = f.puuid(8)
    _player(engine, who, smurf=True)
    with engine.begin() as conn:
        conn.execute(text("UPDATE players SET is_banned = true, banned_at = now()"))
    with task_context(FakeRiot(), engine, db_url) as ctx:
        run(ctx, Config())
    assert _q(engine, "SELECT is_banned FROM players") is False
    assert _q(engine, "SELECT banned_at IS NOT NULL FROM players") is True
