"""`riotjobs metrics`: the exposition parses with prometheus_client and matches the database."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from riotjobs.db.models import JobIncident, Notification, Player, utcnow
from riotjobs.db.vocab import Status
from riotjobs.ops import metrics
from tests.helpers import run_riotjobs
from tests.ops.helpers import Runs, add_analysis

JOBS = """
jobs:
  updater: {schedule: "*/2 * * * *", tasks: [sleep]}
  never_ran: {schedule: "0 3 * * *", tasks: [sleep]}
"""


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        assert family.documentation, family.name
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _seed(session: Any, runs: Runs) -> dict[str, Any]:
    old = runs.add(
        "updater", "success", api_requests_made=5, started_at=utcnow() - timedelta(days=2)
    )
    ok = runs.add("updater", "success", api_requests_made=7, duration_ms=1500)
    runs.add("updater", "failed", api_requests_made=3, duration_ms=2500, error="boom")
    runs.add("updater", "failed", api_requests_made=1, duration_ms=500)
    runs.add("updater", "skipped")
    runs.add("retired", "partial", api_requests_made=11)  # not in jobs.yaml, ran in 24 h
    for n in range(6):
        session.add(
            Player(
                puuid=f"p{n}",
                platform="na1",
                is_tracked=n < 2,
                is_analyzed=2 <= n < 5,
                is_banned=n == 4,
            )
        )
    session.commit()
    for puuid in ("p2", "p3", "p4"):
        add_analysis(session, puuid)
    # p2's newest analysis is a smurf; p3 was one once but no longer.
    session.execute(text("UPDATE player_analysis SET is_smurf = true WHERE puuid = 'p2'"))
    session.execute(
        text(
            "INSERT INTO player_analysis (puuid, analysis_version, analyzed_at, sample_size,"
            " total_matches, win_rate_score, kda_score, account_level_score,"
            " rank_discrepancy_score, rank_progression_score, win_rate_trend_score,"
            " performance_consistency_score, performance_trends_score, role_performance_score,"
            " confidence, is_smurf, details) SELECT puuid, analysis_version,"
            " analyzed_at - interval '1 day', sample_size, total_matches, win_rate_score,"
            " kda_score, account_level_score, rank_discrepancy_score, rank_progression_score,"
            " win_rate_trend_score, performance_consistency_score, performance_trends_score,"
            " role_performance_score, confidence, true, details FROM player_analysis"
            " WHERE puuid = 'p3'"
        )
    )
    session.add(JobIncident(job_id="updater", consecutive_failures=2))
    session.add(Notification(kind="alert", payload={"text": "x"}))
    session.commit()
    return {"old": old, "ok": ok}


@pytest.mark.slow
def test_metrics_output_parses_and_matches_the_database(
    cli_env: dict[str, str], session: Any, runs: Runs, jobs_file: Any, tmp_path: Path
) -> None:
    seeded = _seed(session, runs)
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS))}
    out = tmp_path / "textfile" / "riotjobs.prom"
    out.parent.mkdir()
    result = run_riotjobs("metrics", "--output", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert oct(out.stat().st_mode & 0o777) == "0o644"
    assert os.listdir(out.parent) == ["riotjobs.prom"]  # no temp file left behind
    exposition = out.read_text()
    assert run_riotjobs("metrics", env=env).stdout == exposition  # stdout gives the same document
    got = _samples(exposition)

    def value(name: str, **labels: str) -> float:
        return got[(name, tuple(sorted(labels.items())))]

    # The newest updater run is the skipped one: one-hot over every status.
    for status in Status:
        expected = 1 if status == "skipped" else 0
        assert value("riotjobs_job_last_status", job="updater", status=status) == expected
    assert value("riotjobs_job_last_status", job="retired", status="partial") == 1
    assert ("riotjobs_job_last_status", (("job", "never_ran"), ("status", "success"))) not in got
    assert value("riotjobs_job_last_success_timestamp_seconds", job="updater") == pytest.approx(
        seeded["ok"].finished_at.timestamp()
    )
    assert value("riotjobs_job_last_duration_seconds", job="updater") == 0.5
    assert value("riotjobs_job_runs_24h", job="updater", status="failed") == 2
    assert value("riotjobs_job_runs_24h", job="updater", status="success") == 1  # one is older
    assert value("riotjobs_job_runs_24h", job="never_ran", status="success") == 0
    assert value("riotjobs_job_api_requests_24h", job="updater") == 11
    assert value("riotjobs_job_api_requests_24h", job="retired") == 11
    assert value("riotjobs_players_tracked") == 2
    assert value("riotjobs_players_discovered") == 4
    assert value("riotjobs_players_analyzed") == 3
    assert value("riotjobs_players_flagged") == 1
    assert value("riotjobs_players_banned") == 1
    assert value("riotjobs_open_incidents") == 1
    assert value("riotjobs_notifications_pending") == 1


def test_label_values_and_help_are_escaped() -> None:
    family = metrics._Family("riotjobs_x", "gauge", "back\\slash\nnewline")
    family.add(1.5, job='we"ird\\job\nname')
    (parsed,) = text_string_to_metric_families("\n".join(family.lines) + "\n")
    assert parsed.documentation == "back\\slash\nnewline"
    assert parsed.samples[0].labels == {"job": 'we"ird\\job\nname'}
    assert parsed.samples[0].value == 1.5


def test_output_to_a_missing_directory_is_a_one_line_error(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_riotjobs("metrics", "--output", str(tmp_path / "nope" / "x.prom"), env=cli_env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "nope" in result.stderr
