"""`report smurfs` and ``latest_analysis``: the library query and the CLI in table, JSON, CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from riotjobs.analysis import AnalysisOptions, analyze_players, latest_analysis, smurf_report
from riotjobs.db.models import utcnow
from tests.analysis.factories import League
from tests.helpers import run_riotjobs


def _seed(session: Any, engine: Any) -> None:
    league = League(session)
    league.player("SMURF1", level=40, game_name="Fast", tag_line="EUW")
    league.history("SMURF1", 22, wins=18, factor=2.2)
    league.player("SMURF2", level=70, is_banned=True, banned_at=utcnow(), last_ban_check=utcnow())
    league.history("SMURF2", 22, wins=15, factor=1.7)
    league.player("MAIN", level=300, game_name="Steady", tag_line="NA1")
    league.history("MAIN", 22, wins=11)
    analyze_players(engine=engine, options=AnalysisOptions(limit=10))


def test_report_lists_latest_flagged_with_top_scores(session: Any, engine: Any) -> None:
    _seed(session, engine)
    rows = smurf_report(session=session)
    assert [r.puuid for r in rows] == ["SMURF1", "SMURF2"]  # most confident first
    first = rows[0]
    assert first.riot_id == "Fast#EUW" and first.summoner_level == 40
    assert len(first.top_scores) == 3
    contributions = [c.contribution for c in first.top_scores]
    assert contributions == sorted(contributions, reverse=True)
    assert rows[1].is_banned and rows[1].banned_at is not None
    everyone = smurf_report(session=session, min_confidence=0.0)
    assert {r.puuid for r in everyone} == {"SMURF1", "SMURF2", "MAIN"}
    # A newer analysis that clears SMURF2 removes it from the report; history stays.
    session.execute(
        text(
            "INSERT INTO player_analysis (puuid, analysis_version, sample_size, total_matches, "
            + ", ".join(f"{n}_score" for n in _names())
            + ", confidence, is_smurf, details) VALUES ('SMURF2', 'x', 30, 30, "
            + ", ".join("0" for _ in _names())
            + ", 0.1, false, '{}')"
        )
    )
    session.commit()
    assert [r.puuid for r in smurf_report(session=session)] == ["SMURF1"]


def test_since_filters_by_analysis_age(session: Any, engine: Any) -> None:
    _seed(session, engine)
    session.execute(
        text(
            "UPDATE player_analysis SET analyzed_at = now() - interval '10 days' "
            "WHERE puuid = 'SMURF2'"
        )
    )
    session.commit()
    assert [r.puuid for r in smurf_report(session=session, since=timedelta(days=7))] == ["SMURF1"]
    assert len(smurf_report(session=session, since=timedelta(days=30))) == 2


def test_latest_analysis_returns_every_score_and_what_drove_it(session: Any, engine: Any) -> None:
    from riotjobs.analysis import SCORES
    from riotjobs.analysis.combine import ANALYSIS_VERSION, INTERCEPT

    _seed(session, engine)
    latest = latest_analysis(session=session, puuid="SMURF1")
    assert latest is not None and latest.is_smurf and not latest.outdated
    assert set(latest.scores) == set(SCORES)
    assert all(0.0 <= v <= 1.0 for v in latest.scores.values())
    parts = latest.contributions
    assert {c.score for c in parts} == set(SCORES)
    assert [c.contribution for c in parts] == sorted((c.contribution for c in parts), reverse=True)
    logit = INTERCEPT + sum(c.contribution for c in parts)
    assert abs(1 / (1 + math.exp(-logit)) - latest.confidence) < 1e-3
    assert latest_analysis(session=session, puuid="NOBODY") is None
    # A row of an older version is explained by its own weighted mean and marked outdated.
    session.execute(text("UPDATE player_analysis SET analysis_version = '1.0', details = '{}'"))
    session.commit()
    old = latest_analysis(session=session, puuid="SMURF1")
    assert old is not None and old.outdated and old.current_version == ANALYSIS_VERSION
    assert {c.score for c in old.contributions} == set(_names())


def test_players_show_says_when_the_analysis_is_outdated(
    session: Any, engine: Any, cli_env: dict[str, str]
) -> None:
    _seed(session, engine)
    shown = run_riotjobs("players", "show", "Fast#EUW", env=cli_env)
    assert shown.returncode == 0, shown.stderr
    assert "drove the verdict" in shown.stdout and "standout_games" in shown.stdout
    assert "predates" not in shown.stdout
    session.execute(text("UPDATE player_analysis SET analysis_version = '1.0'"))
    session.commit()
    shown = run_riotjobs("players", "show", "Fast#EUW", env=cli_env)
    assert "version 1.0, which predates the current" in shown.stdout


def test_cli_table_json_and_csv(session: Any, engine: Any, cli_env: dict[str, str]) -> None:
    _seed(session, engine)
    table = run_riotjobs("report", "smurfs", env=cli_env)
    assert table.returncode == 0, table.stderr
    assert "Fast#EUW" in table.stdout and "banned" in table.stdout
    assert "Steady" not in table.stdout

    as_json = run_riotjobs("report", "smurfs", "--json", "--since", "7d", env=cli_env)
    doc = json.loads(as_json.stdout)
    assert doc["count"] == 2
    first = doc["players"][0]
    assert first["riot_id"] == "Fast#EUW" and first["confidence"] >= 0.5
    assert [c["score"] for c in first["top_scores"]] and len(first["top_scores"]) == 3
    assert {"is_banned", "banned_at", "last_ban_check"} <= set(first)

    as_csv = run_riotjobs("report", "smurfs", "--csv", "--min-confidence", "0", env=cli_env)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {r["puuid"] for r in rows} == {"SMURF1", "SMURF2", "MAIN"}
    assert next(r for r in rows if r["puuid"] == "SMURF2")["is_banned"] == "true"

    bad = run_riotjobs("report", "smurfs", "--since", "soon", env=cli_env)
    assert bad.returncode == 2 and "--since" in bad.stderr and "Traceback" not in bad.stderr


def _names() -> tuple[str, ...]:
    from riotjobs.analysis.scores import STORED_SCORES

    return STORED_SCORES
