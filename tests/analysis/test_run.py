"""``analyze_players`` on real Postgres: candidates, storage, re-analysis and detection errors."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import text

from riotjobs.analysis import SCORES, AnalysisOptions, DetectionError, analyze_players
from riotjobs.analysis import run as run_module
from riotjobs.analysis import scores as scores_module
from riotjobs.analysis.combine import ANALYSIS_VERSION, INTERCEPT
from tests.analysis.factories import League


def _league(session: Any) -> League:
    league = League(session)
    league.player("SMURF", level=42)
    league.history("SMURF", 24, wins=19, factor=2.0)
    league.rank("SMURF", "SILVER", "IV", 0, 10, day=0)
    league.rank("SMURF", "GOLD", "II", 40, 34, day=5)
    league.player("MAIN", level=420)
    league.history("MAIN", 24, wins=12, factor=1.0)
    league.player("FEW", level=40)
    league.history("FEW", 5, wins=5, factor=2.0)  # below min_matches
    league.player("TRACKED", level=40, is_tracked=True)
    league.history("TRACKED", 22, wins=20, factor=2.0)
    league.player("GONE", level=40, is_active=False)
    league.history("GONE", 22, wins=20, factor=2.0)
    return league


def _analyses(session: Any) -> list[Any]:
    return list(
        session.execute(text("SELECT * FROM player_analysis ORDER BY puuid, analyzed_at, id"))
    )


def test_analyses_due_players_and_flags_the_smurf(session: Any, engine: Any) -> None:
    _league(session)
    seen: list[tuple[int, int]] = []
    result = analyze_players(
        engine=engine, options=AnalysisOptions(limit=50), on_batch=lambda a, s: seen.append((a, s))
    )
    assert (result.analyzed, result.smurfs, result.failures) == (2, 1, [])
    assert seen == [(2, 1)]
    rows = {r.puuid: r for r in _analyses(session)}
    assert set(rows) == {"SMURF", "MAIN"}
    smurf, main = rows["SMURF"], rows["MAIN"]
    assert smurf.is_smurf and smurf.confidence >= 0.5
    assert not main.is_smurf and main.confidence < 0.2
    assert smurf.sample_size == 24 and smurf.total_matches == 24
    assert smurf.analysis_version == ANALYSIS_VERSION
    assert set(smurf.details["metrics"]) == set(SCORES)
    assert smurf.details["metrics"]["account_level"] == {"level": 42}
    assert smurf.rank_progression_score > 0.5
    flags = dict(session.execute(text("SELECT puuid, is_analyzed FROM players")).all())
    assert flags == {"SMURF": True, "MAIN": True, "FEW": False, "TRACKED": False, "GONE": False}
    # Nothing is due any more.
    assert analyze_players(engine=engine, options=AnalysisOptions(limit=50)).analyzed == 0


def test_limit_bounds_a_run(session: Any, engine: Any) -> None:
    _league(session)
    assert analyze_players(engine=engine, options=AnalysisOptions(limit=1)).analyzed == 1
    assert analyze_players(engine=engine, options=AnalysisOptions(limit=1)).analyzed == 1
    assert len(_analyses(session)) == 2


def test_reanalysis_after_new_matches_keeps_history(session: Any, engine: Any) -> None:
    league = _league(session)
    options = AnalysisOptions(limit=50, reanalyze_after=10)
    analyze_players(engine=engine, options=options)
    league.history("MAIN", 9, wins=4)
    assert analyze_players(engine=engine, options=options).analyzed == 0  # 9 < 10
    league.match("MAIN", win=False)
    assert analyze_players(engine=engine, options=options).analyzed == 1
    main = [r for r in _analyses(session) if r.puuid == "MAIN"]
    assert [r.total_matches for r in main] == [24, 34]


def test_threshold_and_weights_come_from_options(session: Any, engine: Any) -> None:
    _league(session)
    only_kda = dict.fromkeys(SCORES, 0.0) | {"kda": 1.0}
    result = analyze_players(
        engine=engine, options=AnalysisOptions(limit=50, weights=only_kda, threshold=0.0)
    )
    rows = {r.puuid: r for r in _analyses(session)}
    assert result.smurfs == 2  # threshold 0 flags everyone
    parts = rows["SMURF"].details["contributions"]
    assert parts["kda"] > 0 and all(v == 0 for n, v in parts.items() if n != "kda")
    # With every other score switched off, MAIN (no kda evidence) sits at the prior.
    assert rows["MAIN"].confidence == pytest.approx(1 / (1 + math.exp(-INTERCEPT)))


def test_analyses_of_an_older_version_are_redone_a_few_per_run(session: Any, engine: Any) -> None:
    league = _league(session)
    for name in ("A", "B", "C"):
        league.player(name, level=300)
        league.history(name, 22, wins=11)
    analyze_players(engine=engine, options=AnalysisOptions(limit=50))
    session.execute(text("UPDATE player_analysis SET analysis_version = '1.0'"))
    session.commit()
    options = AnalysisOptions(limit=50, reanalyze_per_run=2)
    assert analyze_players(engine=engine, options=options).analyzed == 2
    assert analyze_players(engine=engine, options=options).analyzed == 2
    assert analyze_players(engine=engine, options=options).analyzed == 1
    assert analyze_players(engine=engine, options=options).analyzed == 0
    latest = session.execute(
        text(
            "SELECT DISTINCT ON (puuid) puuid, analysis_version FROM player_analysis"
            " ORDER BY puuid, analyzed_at DESC, id DESC"
        )
    ).all()
    assert {v for _, v in latest} == {ANALYSIS_VERSION}
    # Players due for a normal reason come first and count against the run's limit.
    league.player("NEW", level=300)
    league.history("NEW", 22, wins=11)
    session.execute(text("UPDATE player_analysis SET analysis_version = '1.0'"))
    session.commit()
    result = analyze_players(engine=engine, options=AnalysisOptions(limit=2, reanalyze_per_run=5))
    assert result.analyzed == 2
    assert "NEW" in {r.puuid for r in _analyses(session) if r.analysis_version == ANALYSIS_VERSION}


def test_a_player_whose_data_breaks_a_score_is_skipped(
    session: Any, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _league(session)
    real = scores_module.kda

    def fragile(p: Any) -> Any:
        if p.puuid == "MAIN":
            raise DetectionError("non-finite metric nan")
        return real(p)

    monkeypatch.setitem(scores_module.SCORES, "kda", fragile)
    result = analyze_players(engine=engine, options=AnalysisOptions(limit=50))
    assert result.analyzed == 1
    assert len(result.failures) == 1 and "MAIN" in result.failures[0]
    assert {r.puuid for r in _analyses(session)} == {"SMURF"}
    analyzed = session.execute(text("SELECT is_analyzed FROM players WHERE puuid='MAIN'"))
    assert analyzed.scalar_one() is False


def test_out_of_time_run_starts_no_batch(session: Any, engine: Any) -> None:
    _league(session)
    result = analyze_players(engine=engine, options=AnalysisOptions(limit=50), deadline=0.0)
    assert result.out_of_time and result.analyzed == 0


def test_every_batch_is_scored_once_while_the_next_loads(session: Any, engine: Any) -> None:
    _league(session)
    seen: list[tuple[int, int]] = []
    options = AnalysisOptions(limit=50, batch_size=1)
    result = analyze_players(
        engine=engine, options=options, on_batch=lambda a, s: seen.append((a, s))
    )
    assert (result.analyzed, result.smurfs) == (2, 1)
    assert sorted(seen) == [(1, 0), (1, 1)]
    assert sorted(r.puuid for r in _analyses(session)) == ["MAIN", "SMURF"]


def test_a_deadline_passing_between_batches_keeps_the_first(
    session: Any, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _league(session)
    ticks = iter([0.0, 0.0, 10.0])  # at the start and the first batch: in time; then past it
    monkeypatch.setattr(run_module, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    options = AnalysisOptions(limit=50, batch_size=1)
    result = analyze_players(engine=engine, options=options, deadline=5.0)
    assert result.out_of_time and result.analyzed == 1
    assert len(_analyses(session)) == 1
