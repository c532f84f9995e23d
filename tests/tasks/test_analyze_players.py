"""The `analyze_players` task: config validation, counters and the partial outcome."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from pydantic import ValidationError

from riotjobs.analysis.combine import SCORES
from riotjobs.counters import Counters
from riotjobs.settings import Settings
from riotjobs.tasks.analyze_players import Config, run
from riotjobs.tasks.base import TaskContext
from riotjobs.tasks.registry import TASKS, load_task
from tests.analysis.factories import League


def _ctx(engine: Any, seconds: float = 60) -> TaskContext:
    return TaskContext(
        job_id="player_analyzer",
        execution_id=1,
        settings=Settings(),
        engine=engine,
        counters=Counters(),
        deadline=time.monotonic() + seconds,
        log=logging.getLogger("riotjobs.test"),
    )


def test_registered() -> None:
    assert TASKS["analyze_players"] == "riotjobs.tasks.analyze_players"
    assert load_task("analyze_players").Config is Config


def test_config_defaults_match_the_seed() -> None:
    config = Config()
    assert (config.min_matches, config.unanalyzed_players_per_run) == (20, 15)
    assert (config.min_smurf_confidence, config.reanalyze_after_matches) == (0.5, 10)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"kda": 1.0, "elo": 2.0}, "unknown score name(s) elo"),
        ({"kda": -1.0}, "non-negative"),
        (
            dict.fromkeys(SCORES, 0.0),
            "must not all be 0",
        ),
    ],
)
def test_bad_weights_are_rejected(weights: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Config(score_weights=weights)


def test_confidence_bounds_are_validated() -> None:
    with pytest.raises(ValidationError):
        Config(min_smurf_confidence=1.5)


def test_run_counts_and_commits(session: Any, engine: Any, cli_env: dict[str, str]) -> None:
    league = League(session)
    for i in range(3):
        league.player(f"S{i}", level=40)
        league.history(f"S{i}", 20, wins=16, factor=2.0)
    for i in range(4):
        league.player(f"N{i}", level=250)
        league.history(f"N{i}", 20, wins=10)
    ctx = _ctx(engine)
    outcome = run(ctx, Config(unanalyzed_players_per_run=5))
    assert outcome.status == "success" and outcome.failures == []
    assert ctx.counters.get("players_analyzed") == 5
    first = ctx.counters.get("smurfs_detected")
    ctx2 = _ctx(engine)
    run(ctx2, Config(unanalyzed_players_per_run=5))
    assert ctx2.counters.get("players_analyzed") == 2
    assert first + ctx2.counters.get("smurfs_detected") == 3


def test_run_out_of_time_is_partial(session: Any, engine: Any, cli_env: dict[str, str]) -> None:
    league = League(session)
    league.player("S", level=40)
    league.history("S", 20, wins=16, factor=2.0)
    outcome = run(_ctx(engine, seconds=1), Config())
    assert outcome.status == "partial" and outcome.note
