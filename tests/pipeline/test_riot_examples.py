"""Acceptance: every recorded real match-v5 response goes through the client (MockTransport)
and the tracked updater without error; queue-420 matches count toward analysis eligibility."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from riotjobs.analysis import AnalysisOptions, select_candidates
from riotjobs.pipeline.ingest import ranked_match_count
from riotjobs.tasks.update_tracked_players import Config, run
from tests.pipeline import factories as f
from tests.pipeline.fakeriot import FakeRiot, task_context


def test_real_examples_ingest_through_the_updater(
    riot_examples: Path, engine: Engine, db_url: str
) -> None:
    fake = FakeRiot()
    tracked = f.puuid(1)
    ranked: Counter[str] = Counter()
    docs = sorted((riot_examples / "match-v5").glob("*.json"))
    for n, path in enumerate(docs):
        doc = json.loads(path.read_text())
        match_id = doc["metadata"]["matchId"]
        fake.matches[match_id] = doc
        # The fake lists every example as the tracked player's ranked history, so the updater
        # fetches all of them whatever their real queue.
        fake.histories.setdefault(tracked, []).append((n, 420, match_id))
        if doc["info"]["queueId"] == 420:
            ranked.update(p["puuid"] for p in doc["info"]["participants"])
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO players (puuid, platform, is_tracked) VALUES (:p, 'na1', true)"),
            {"p": tracked},
        )
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config(max_new_matches_per_player=100))
    assert outcome.status == "success", outcome.failures
    assert ctx.counters.get("matches_fetched") == len(docs)
    with Session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM matches")).scalar_one() == len(docs)
        broken = session.execute(
            text(
                "SELECT m.match_id FROM matches m"
                " LEFT JOIN match_participants mp ON mp.match_id = m.match_id"
                " GROUP BY m.match_id HAVING count(mp.id) <> m.participant_count"
            )
        ).all()
        assert broken == []
        for who, n in ranked.most_common(5):
            assert ranked_match_count(session=session, puuid=who) == n
        # A player only ever seen outside queue 420 has no ranked matches.
        others = session.execute(
            text(
                "SELECT mp.puuid FROM match_participants mp JOIN matches m USING (match_id)"
                " GROUP BY mp.puuid HAVING bool_and(m.queue_id <> 420) LIMIT 1"
            )
        ).scalar_one()
        assert ranked_match_count(session=session, puuid=others) == 0
        # Eligibility: with min_matches=1 exactly the queue-420 participants are candidates.
        eligible = select_candidates(
            session=session, options=AnalysisOptions(min_matches=1, limit=100_000)
        )
        assert set(eligible) == set(ranked)
