"""Helpers for the pipeline's acceptance tests: a sandbox-backed environment for spawned
`riotjobs` processes and the database checks every scenario ends with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from riotjobs.sandbox import SandboxConfig, SandboxHandle, serve_in_thread

JOBS_YAML = """
jobs:
  tracked_player_updater:
    schedule: "*/2 * * * *"
    timeout: {tracked_timeout}
    tasks: [update_tracked_players]
    config: {{max_tracked_players: 10, max_new_matches_per_player: {max_new}}}
  player_analyzer:
    schedule: "*/2 * * * *"
    timeout: {analyzer_timeout}
    tasks: [fetch_discovered_matches, analyze_players, check_bans]
    config: {{players_per_run: {players_per_run}, target_matches: 20}}
"""


@contextmanager
def sandbox_env(
    cli_env: dict[str, str],
    tmp_path: Path,
    config: SandboxConfig,
    *,
    max_new: int = 20,
    players_per_run: int = 10,
    tracked_timeout: int = 90,
    analyzer_timeout: int = 90,
) -> Iterator[tuple[SandboxHandle, dict[str, str]]]:
    """A running sandbox and the environment that points `riotjobs` at it."""
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(
        JOBS_YAML.format(
            max_new=max_new,
            players_per_run=players_per_run,
            tracked_timeout=tracked_timeout,
            analyzer_timeout=analyzer_timeout,
        )
    )
    with serve_in_thread(config) as sb:
        env = {
            **cli_env,
            "RIOTJOBS_RIOT_BASE_URL": sb.base_url_template,
            "RIOT_API_KEY": sb.api_key,
            "RIOTJOBS_CONFIG": str(jobs),
        }
        yield sb, env


def sandbox_ids(sb: SandboxHandle, puuid: str, *, start_time: int) -> list[str]:
    """Every queue-420 match id the sandbox lists for ``puuid`` since ``start_time``."""
    url = sb.base_url_template.format(routing="americas")
    ids: list[str] = []
    while True:
        page = httpx.get(
            f"{url}/lol/match/v5/matches/by-puuid/{puuid}/ids",
            params={"queue": 420, "startTime": start_time, "start": len(ids), "count": 100},
            headers={"X-Riot-Token": sb.api_key},
            timeout=30,
        )
        page.raise_for_status()
        ids += page.json()
        if len(page.json()) < 100:
            return ids


def sandbox_match(sb: SandboxHandle, match_id: str) -> dict[str, Any]:
    url = sb.base_url_template.format(routing="americas")
    response = httpx.get(
        f"{url}/lol/match/v5/matches/{match_id}",
        headers={"X-Riot-Token": sb.api_key},
        timeout=30,
    )
    response.raise_for_status()
    doc: dict[str, Any] = response.json()
    return doc


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def assert_consistent(engine: Engine) -> None:
    """No match without exactly the participant rows it promises; nothing duplicated; every
    participant has a player row."""
    broken = rows(
        engine,
        "SELECT m.match_id, m.participant_count, count(mp.id) AS n FROM matches m"
        " LEFT JOIN match_participants mp ON mp.match_id = m.match_id"
        " GROUP BY m.match_id HAVING count(mp.id) <> m.participant_count",
    )
    assert broken == []
    duplicated = scalar(
        engine,
        "SELECT count(*) FROM (SELECT match_id, puuid FROM match_participants"
        " GROUP BY 1, 2 HAVING count(*) > 1) d",
    )
    assert duplicated == 0
    orphans = scalar(
        engine,
        "SELECT count(*) FROM match_participants mp"
        " WHERE NOT EXISTS (SELECT 1 FROM players p WHERE p.puuid = mp.puuid)",
    )
    assert orphans == 0


def executions(engine: Engine, job_id: str | None = None) -> list[Any]:
    where = "" if job_id is None else "WHERE job_id = :job"
    return rows(engine, f"SELECT * FROM job_executions {where} ORDER BY id", job=job_id)
