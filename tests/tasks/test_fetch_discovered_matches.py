"""`fetch_discovered_matches` over a MockTransport Riot API and real Postgres."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from riotjobs.pipeline.ingest import ingest_match
from riotjobs.tasks.fetch_discovered_matches import Config, run
from tests.pipeline import factories as f
from tests.pipeline.fakeriot import FakeRiot, task_context

LOBBY = [f.puuid(i) for i in range(100, 109)]


def _q(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _discover(engine: Engine, who: str, fake: FakeRiot, matches: int) -> None:
    """Give ``who`` a history of ``matches`` ranked games and store the oldest as discovered."""
    for i in range(matches):
        fake.add_match(f"NA1_{abs(hash(who)) % 10_000}{i:03d}", [who, *LOBBY], start_s=10_000 * i)
    first = sorted(fake.histories[who])[0][2]
    from riotjobs.riot.models import MatchDto

    with Session(engine) as session:
        ingest_match(session=session, match=MatchDto.model_validate(fake.matches[first]))


def test_fills_missing_matches_newest_first(engine: Engine, db_url: str) -> None:
    fake = FakeRiot()
    me = f.puuid(1)
    _discover(engine, me, fake, 30)
    with engine.begin() as conn:  # only `me` is due: the lobby has 20+ stored matches below
        conn.execute(text("UPDATE players SET updated_at = now() - interval '1 day'"))
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config(players_per_run=1))
    assert outcome.status == "success"
    ranked = _q(
        engine,
        "SELECT count(*) FROM match_participants mp JOIN matches m USING (match_id)"
        " WHERE mp.puuid = :p AND m.queue_id = 420",
        p=me,
    )
    assert ranked == 20
    ids_call = next(p for k, _, p in fake.requests if k == "ids")
    assert ids_call == {"queue": "420", "start": "0", "count": "20"}
    assert fake.count("match") == 19  # the one already stored is skipped
    assert fake.count("league") == 1
    assert ctx.counters.get("players_processed") == 1
    assert ctx.counters.get("matches_fetched") == 19


def test_players_with_enough_matches_or_tracked_or_banned_are_left_alone(
    engine: Engine, db_url: str
) -> None:
    fake = FakeRiot()
    for n, flag in ((1, "is_tracked"), (2, "is_banned"), (3, "NOT is_active")):
        who = f.puuid(n)
        _discover(engine, who, fake, 3)
        with engine.begin() as conn:
            column = flag.removeprefix("NOT ")
            value = "false" if flag.startswith("NOT") else "true"
            conn.execute(
                text(f"UPDATE players SET {column} = {value} WHERE puuid = :p"), {"p": who}
            )
    with engine.begin() as conn:  # lobby players count as needing matches too; park them
        conn.execute(
            text("UPDATE players SET is_active = false WHERE puuid = ANY(:l)"), {"l": LOBBY}
        )
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config())
    assert outcome.note == "no discovered players need matches"
    assert fake.requests == []


def test_queue_rotates_even_when_nothing_is_found(engine: Engine, db_url: str) -> None:
    fake = FakeRiot()
    quiet = [f.puuid(i) for i in range(1, 4)]
    with engine.begin() as conn:
        for i, who in enumerate(quiet):
            conn.execute(
                text(
                    "INSERT INTO players (puuid, platform, updated_at)"
                    " VALUES (:p, 'na1', now() - make_interval(hours => :h))"
                ),
                {"p": who, "h": 10 - i},
            )
    seen: list[str] = []
    for _ in range(3):
        fake.requests.clear()
        with task_context(fake, engine, db_url) as ctx:
            run(ctx, Config(players_per_run=1))
        seen += [path.split("/")[-2] for k, path, _ in fake.requests if k == "ids"]
    assert seen == quiet  # oldest-updated first, each one once


def test_a_failing_player_is_skipped_and_rotated(engine: Engine, db_url: str) -> None:
    fake = FakeRiot()
    bad, good = f.puuid(1), f.puuid(2)
    with engine.begin() as conn:
        for who, hours in ((bad, 5), (good, 4)):
            conn.execute(
                text(
                    "INSERT INTO players (puuid, platform, updated_at)"
                    " VALUES (:p, 'na1', now() - make_interval(hours => :h))"
                ),
                {"p": who, "h": hours},
            )
    fake.faults[bad] = (500, "")
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config(players_per_run=1))
    assert outcome.status == "partial"
    assert len(outcome.failures) == 1 and bad in outcome.failures[0]
    assert ctx.counters.get("players_processed") == 0
    fake.requests.clear()
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config(players_per_run=1))
    # `bad` went to the back of the queue, so the next run takes `good`.
    assert outcome.status == "success"
    assert [path.split("/")[-2] for k, path, _ in fake.requests if k == "ids"] == [good]


def test_two_concurrent_runs_claim_different_players(engine: Engine, db_url: str) -> None:
    import threading

    fake = FakeRiot()
    people = [f.puuid(i) for i in range(1, 9)]
    with engine.begin() as conn:
        for who in people:
            conn.execute(
                text("INSERT INTO players (puuid, platform) VALUES (:p, 'na1')"), {"p": who}
            )

    def one() -> None:
        with task_context(fake, engine, db_url) as ctx:
            run(ctx, Config(players_per_run=4, fetch_ranks=False))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    asked = sorted(path.split("/")[-2] for k, path, _ in fake.requests if k == "ids")
    assert asked == sorted(people)
