"""`riotjobs players` through the real process, against the sandbox and real Postgres."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from riotjobs.db.models import SCORE_NAMES
from riotjobs.sandbox import SandboxConfig
from tests.cli.helpers import seed_players
from tests.helpers import run_riotjobs
from tests.pipeline.sandboxed import sandbox_env


def test_track_by_riot_id_and_errors(cli_env: dict[str, str], tmp_path: Path) -> None:
    config = SandboxConfig(seed=21, players=60, clock_speed=0)
    with sandbox_env(cli_env, tmp_path, config) as (sb, env):
        player = sb.players(1)[0]
        result = run_riotjobs("players", "track", player["riot_id"], "--json", env=env)
        assert result.returncode == 0, result.stderr
        doc = json.loads(result.stdout)
        assert doc["status"] == "tracked"
        assert doc["player"]["puuid"] == player["puuid"]
        assert doc["player"]["riot_id"] == player["riot_id"]
        assert doc["player"]["is_tracked"] is True

        again = run_riotjobs("players", "track", player["riot_id"].upper(), env=env)
        assert again.returncode == 0, again.stderr
        assert again.stdout.startswith("already tracked")

        unknown = run_riotjobs("players", "track", "Nobody Here#ZZZZ", env=env)
        assert unknown.returncode == 1
        assert unknown.stderr.strip() == (
            "riotjobs: no Riot account Nobody Here#ZZZZ (looked up for na1)"
        )
        assert sb.api_key not in unknown.stderr + unknown.stdout

        bad = run_riotjobs("players", "track", "not a puuid", env=env)
        assert bad.returncode == 2 and "neither a Riot ID" in bad.stderr

        by_puuid = run_riotjobs("players", "track", sb.players(2)[1]["puuid"], env=env)
        assert by_puuid.returncode == 0, by_puuid.stderr
        missing = run_riotjobs("players", "track", "x" * 78, env=env)
        assert missing.returncode == 1 and "no summoner" in missing.stderr


def test_tracking_is_capped_by_the_updater_config(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    config = SandboxConfig(seed=22, players=60, clock_speed=0)
    with sandbox_env(cli_env, tmp_path, config) as (sb, env):
        people = sb.players(3)
        setting = run_riotjobs(
            "jobs", "set", "tracked_player_updater", "max_tracked_players=2", env=env
        )
        assert setting.returncode == 0, setting.stderr
        for p in people[:2]:
            assert run_riotjobs("players", "track", p["riot_id"], env=env).returncode == 0
        refused = run_riotjobs("players", "track", people[2]["riot_id"], env=env)
        assert refused.returncode == 2
        assert "max_tracked_players is 2" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM players")).scalar_one() == 2
        untrack = run_riotjobs("players", "untrack", people[0]["riot_id"], env=env)
        assert untrack.returncode == 0, untrack.stderr
        assert run_riotjobs("players", "track", people[2]["riot_id"], env=env).returncode == 0


def test_list_filters_and_json(cli_env: dict[str, str], engine: Engine) -> None:
    seed_players(engine)
    everyone = json.loads(run_riotjobs("players", "list", "--json", env=cli_env).stdout)
    assert everyone["count"] == 3
    assert everyone["players"][0]["riot_id"] == "Tracky#NA1"  # tracked first
    for flag, name in (("--tracked", "Tracky#NA1"), ("--smurfs", "Smurfy#EUW"),
                       ("--banned", "Gone#BAN")):  # fmt: skip
        result = run_riotjobs("players", "list", flag, "--json", env=cli_env)
        assert result.returncode == 0, result.stderr
        assert [p["riot_id"] for p in json.loads(result.stdout)["players"]] == [name]
    both = run_riotjobs("players", "list", "--tracked", "--smurfs", env=cli_env)
    assert both.returncode == 2
    table = run_riotjobs("players", "list", env=cli_env)
    assert table.returncode == 0 and "Smurfy#EUW" in table.stdout and "yes 0.83" in table.stdout


def test_show_has_counts_ranks_and_nine_scores(cli_env: dict[str, str], engine: Engine) -> None:
    seed_players(engine)
    result = run_riotjobs("players", "show", "smurfy#euw", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["player"]["puuid"] == "p-smurf-00000000000000000"
    assert (doc["total_matches"], doc["player"]["ranked_matches"]) == (0, 0)
    assert doc["ranks"][0]["tier"] == "GOLD"
    assert set(doc["analysis"]["scores"]) == set(SCORE_NAMES)
    assert doc["analysis"]["confidence"] == 0.83
    human = run_riotjobs("players", "show", "p-smurf-00000000000000000", env=cli_env)
    assert human.returncode == 0, human.stderr
    for name in SCORE_NAMES:
        assert name in human.stdout
    assert "GOLD I" in human.stdout and "confidence 0.83" in human.stdout
    missing = run_riotjobs("players", "show", "Nobody#NA1", env=cli_env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "riotjobs: no player 'Nobody#NA1' in the database"
