"""B3: ingest throughput, matches/s and participant rows/s, with no rate limit and no latency.

Two measurements on the real ingestion path:

* **pipeline**: one `riotjobs run tracked_player_updater` process over enough tracked players
  (100 new ranked matches each) to store about ``--matches`` matches: HTTP, validation, the
  shared Postgres limiter (still consulted with no limits announced) and ``ingest_match``.
* **store only**: the same number of match documents, fetched and validated beforehand, written
  with ``riotjobs.pipeline.ingest.ingest_match`` (one transaction each) in this process.

The sandbox runs with ``--latency-ms 0`` and limits of 1,000,000 requests per second on the
application and every method (announced, so the client learns them; see ``_common.UNLIMITED``).

    .venv/bin/python benchmarks/b3_ingest.py
    .venv/bin/python benchmarks/b3_ingest.py --matches 200 --json
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import _common as c
import httpx

TARGET = 300.0  # matches/s
PER_PLAYER = 100
LEAGUE = 3000  # a league of 1,000 has too few players with disjoint 100-match histories
JOBS = """\
jobs:
  tracked_player_updater:
    schedule: "*/2 * * * *"
    timeout: 600
    tasks: [update_tracked_players]
    config: {{max_tracked_players: {players}, max_new_matches_per_player: {per_player}}}
"""


def pipeline(sb: c.Sandbox, matches: int) -> tuple[dict[str, Any], list[str]]:
    per_player = min(PER_PLAYER, matches)
    players = -(-matches // per_player)
    chosen = c.pick_players(players, matches=per_player, league=LEAGUE)
    with c.scratch_database("rj_b3") as url:
        c.track(url, [p["puuid"] for p in chosen])
        jobs = c.workdir("rj-b3-") / "jobs.yaml"
        jobs.write_text(JOBS.format(players=players, per_player=per_player))
        env = c.riotjobs_env(db_url=url, sb=sb, jobs_yaml=jobs)
        sb.reset_stats()
        wall = c.timed(["run", "tracked_player_updater"], env)
        stats = sb.stats()
        stored = int(c.scalar(url, "SELECT count(*) FROM matches"))
        rows = int(c.scalar(url, "SELECT count(*) FROM match_participants"))
        ids = c.column(url, "SELECT match_id FROM matches ORDER BY match_id")
        status = c.last_execution(url, "tracked_player_updater").get("status")
    phase = float(stats["span_seconds"])
    return {
        "tracked_players": players,
        "matches": stored,
        "participant_rows": rows,
        "requests": stats["requests"]["total"],
        "wall_s": round(wall, 3),
        "request_phase_s": round(phase, 3),
        "matches_per_s": round(stored / wall, 1),
        "rows_per_s": round(rows / wall, 1),
        "matches_per_s_request_phase": round(stored / phase, 1) if phase else None,
        "status": status,
    }, ids


def store_only(sb: c.Sandbox, match_ids: list[str]) -> dict[str, Any]:
    from sqlmodel import Session

    from riotjobs.db.engine import create_engine, to_sqlalchemy
    from riotjobs.pipeline.ingest import ingest_match
    from riotjobs.riot.models import MatchDto

    docs = []
    with httpx.Client(headers={"X-Riot-Token": sb.api_key}, timeout=30) as http:
        base = sb.template.format(routing="americas")
        for match_id in match_ids:
            docs.append(http.get(f"{base}/lol/match/v5/matches/{match_id}").json())
    started = time.perf_counter()
    matches = [MatchDto.model_validate(doc) for doc in docs]
    validate_s = time.perf_counter() - started
    with c.scratch_database("rj_b3s") as url:
        engine = create_engine(to_sqlalchemy(url), application_name="riotjobs b3")
        try:
            rows = 0
            started = time.perf_counter()
            with Session(engine) as session:
                for match in matches:
                    rows += ingest_match(session=session, match=match).participants_created
            took = time.perf_counter() - started
        finally:
            engine.dispose()
    return {
        "matches": len(matches),
        "participant_rows": rows,
        "validate_s": round(validate_s, 3),
        "store_s": round(took, 3),
        "matches_per_s": round(len(matches) / took, 1),
        "rows_per_s": round(rows / took, 1),
        "ms_per_match": round(1000 * took / len(matches), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=2000, help="about this many matches")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    with c.sandbox(latency_ms=0, app_limit="unlimited", players=LEAGUE) as sb:
        piped, ids = pipeline(sb, args.matches)
        stored = store_only(sb, ids[: args.matches])
    doc = {
        "benchmark": "b3_ingest",
        "pipeline": piped,
        "store_only": stored,
        "target_matches_per_s": TARGET,
        "pass": piped["matches_per_s"] >= TARGET,
    }
    rows: list[tuple[str, Any]] = [
        ("pipeline: matches stored", piped["matches"]),
        ("pipeline: participant rows", piped["participant_rows"]),
        ("pipeline: wall time, s", piped["wall_s"]),
        ("pipeline: matches/s (wall)", piped["matches_per_s"]),
        ("pipeline: participant rows/s (wall)", piped["rows_per_s"]),
        ("pipeline: matches/s (request phase)", piped["matches_per_s_request_phase"]),
        ("store only: matches/s", stored["matches_per_s"]),
        ("store only: participant rows/s", stored["rows_per_s"]),
        ("store only: ms per match", stored["ms_per_match"]),
        (f"target >= {TARGET:.0f} matches/s (pipeline)", doc["pass"]),
    ]
    c.emit(doc, as_json=args.json, title=f"B3 ingest ({piped['matches']:,} matches)", rows=rows)


if __name__ == "__main__":
    main()
