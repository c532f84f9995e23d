"""Ingestion against real Postgres: one transaction per match, idempotent, every queue shape."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from riotjobs.pipeline.ingest import (
    ingest_match,
    ingest_matches,
    last_ranked_match_end,
    ranked_match_count,
    record_ranks,
    refresh_summoner_level,
    stored_match_ids,
)
from riotjobs.riot.models import MatchDto
from tests.pipeline import factories as f


def _scalar(session: Session, sql: str, **params: Any) -> Any:
    return session.execute(text(sql), params).scalar_one()


def test_match_participants_and_discovered_players_are_stored(session: Session) -> None:
    people = [f.puuid(i) for i in range(10)]
    result = ingest_match(session=session, match=f.match("NA1_100", people))
    assert result.match_created
    assert result.participants_created == 10
    assert result.players_discovered == 10
    assert result.records_created == 21
    row = session.execute(text("SELECT * FROM matches WHERE match_id = 'NA1_100'")).one()
    assert (row.platform_id, row.queue_id, row.participant_count) == ("NA1", 420, 10)
    assert row.game_duration == 1800
    assert (row.game_end - row.game_start).total_seconds() == 1800
    player = session.execute(text("SELECT * FROM players WHERE puuid = :p"), {"p": people[3]}).one()
    assert player.platform == "na1"
    assert player.game_name == "Player0003" and player.tag_line == "TST"
    assert not player.is_tracked and not player.is_analyzed
    assert player.summoner_level == 100


def test_reingesting_is_a_no_op(session: Session) -> None:
    m = f.match("NA1_101", [f.puuid(i) for i in range(10)])
    ingest_match(session=session, match=m)
    again = ingest_match(session=session, match=m)
    assert again.records_created == 0 and not again.match_created
    assert _scalar(session, "SELECT count(*) FROM match_participants") == 10
    assert _scalar(session, "SELECT count(*) FROM players") == 10


def test_bots_are_skipped_and_counted_out(session: Session) -> None:
    people = [f.puuid(1), f.puuid(2), "BOT", "BOT", "BOT"]
    result = ingest_match(session=session, match=f.match("NA1_102", people, queue=850))
    assert result.participants_created == 2
    assert _scalar(session, "SELECT participant_count FROM matches") == 2
    assert _scalar(session, "SELECT count(*) FROM players WHERE puuid = 'BOT'") == 0


def test_only_queue_420_counts_toward_eligibility(session: Session) -> None:
    me = f.puuid(1)
    others = [f.puuid(i) for i in range(2, 11)]
    ingest_match(session=session, match=f.match("NA1_1", [me, *others], start_s=1000))
    ingest_match(session=session, match=f.match("NA1_2", [me, *others], queue=450, start_s=5000))
    assert ranked_match_count(session=session, puuid=me) == 1
    end = last_ranked_match_end(session=session, puuid=me)
    assert end is not None and int(end.timestamp()) == 1000 + 1800
    assert stored_match_ids(session=session, match_ids=["NA1_1", "NA1_3"]) == {"NA1_1"}
    assert stored_match_ids(session=session, match_ids=[]) == set()


def test_summoner_level_follows_the_newest_match(session: Session) -> None:
    me = f.puuid(1)
    ingest_match(session=session, match=f.match("NA1_1", [me], start_s=1000, levels={me: 30}))
    ingest_match(session=session, match=f.match("NA1_3", [me], start_s=9000, levels={me: 42}))
    ingest_match(session=session, match=f.match("NA1_2", [me], start_s=5000, levels={me: 35}))
    # Discovery stored the level of the first match seen; the refresh reads the newest.
    assert _scalar(session, "SELECT summoner_level FROM players") == 30
    assert refresh_summoner_level(session=session, puuid=me)
    assert _scalar(session, "SELECT summoner_level FROM players") == 42
    assert not refresh_summoner_level(session=session, puuid=me)


def test_rank_snapshot_only_when_changed(session: Session) -> None:
    me = f.puuid(1)
    ingest_match(session=session, match=f.match("NA1_1", [me]))
    assert record_ranks(session=session, puuid=me, entries=[f.league_entry(me)]) == 1
    assert record_ranks(session=session, puuid=me, entries=[f.league_entry(me)]) == 0
    assert record_ranks(session=session, puuid=me, entries=[f.league_entry(me, lp=70)]) == 1
    assert record_ranks(session=session, puuid=me, entries=[]) == 0
    session.commit()
    lps = session.execute(text("SELECT league_points FROM player_ranks ORDER BY id")).scalars()
    assert list(lps) == [50, 70]


def test_concurrent_ingestion_of_overlapping_matches(engine: Any) -> None:
    """Two workers ingest the same matches in opposite orders: no deadlock, no duplicate."""
    matches = [
        f.match(f"NA1_{n}", [f.puuid((n * 3 + i) % 25) for i in range(10)]) for n in range(30)
    ]
    errors: list[BaseException] = []

    def work(order: list[MatchDto]) -> None:
        try:
            with Session(engine) as s:
                for m in order:
                    ingest_match(session=s, match=m)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(matches,)),
        threading.Thread(target=work, args=(matches[::-1],)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with Session(engine) as s:
        assert _scalar(s, "SELECT count(*) FROM matches") == 30
        assert _scalar(s, "SELECT count(*) FROM match_participants") == 300
        assert _scalar(s, "SELECT count(DISTINCT puuid) FROM players") == 25
        assert _scalar(s, "SELECT count(*) FROM players") == 25


def _examples(root: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((root / "match-v5").glob("*.json"))]


def test_every_real_example_ingests(session: Session, riot_examples: Path) -> None:
    docs = _examples(riot_examples)
    assert docs, "no examples found"
    ranked: dict[str, int] = {}
    for doc in docs:
        m = MatchDto.model_validate(doc)
        result = ingest_match(session=session, match=m)
        assert result.match_created, m.metadata.match_id
        if m.info.queue_id == 420:
            for p in m.info.participants:
                ranked[p.puuid] = ranked.get(p.puuid, 0) + 1
    # Every match row has exactly the participant rows it promises.
    mismatched = session.execute(
        text(
            "SELECT m.match_id FROM matches m"
            " LEFT JOIN match_participants mp ON mp.match_id = m.match_id"
            " GROUP BY m.match_id, m.participant_count HAVING count(mp.id) <> m.participant_count"
        )
    ).all()
    assert mismatched == []
    assert _scalar(session, "SELECT count(*) FROM matches") == len(docs)
    shapes = {
        r.match_id: (r.queue_id, r.participant_count)
        for r in session.execute(text("SELECT match_id, queue_id, participant_count FROM matches"))
    }
    if "EUW1_6834713231" in shapes:  # the aborted game: no participants at all
        assert shapes["EUW1_6834713231"] == (0, 0)
    if "JP1_391732436" in shapes:  # co-op vs AI: five bots left out
        assert shapes["JP1_391732436"] == (850, 5)
    if "JP1_444997552" in shapes:  # Arena: 16 players
        assert shapes["JP1_444997552"][1] == 16
    assert _scalar(session, "SELECT count(*) FROM match_participants WHERE puuid = 'BOT'") == 0
    for who, n in list(ranked.items())[:20]:
        assert ranked_match_count(session=session, puuid=who) == n
    # Everyone stored has a player row (data quality relies on it).
    orphans = _scalar(
        session,
        "SELECT count(*) FROM match_participants mp"
        " LEFT JOIN players p ON p.puuid = mp.puuid WHERE p.id IS NULL",
    )
    assert orphans == 0
    again = [ingest_match(session=session, match=MatchDto.model_validate(d)) for d in docs]
    assert sum(r.records_created for r in again) == 0


@pytest.mark.parametrize("name", ["EUW1_6834713231"])
def test_aborted_game_gets_platform_and_time(
    session: Session, riot_examples: Path, name: str
) -> None:
    path = riot_examples / "match-v5" / f"{name}.json"
    if not path.exists():
        pytest.skip(f"{name} not in the examples")
    ingest_match(session=session, match=MatchDto.model_validate_json(path.read_text()))
    row = session.execute(text("SELECT platform_id, game_creation FROM matches")).one()
    assert row.platform_id == "EUW1"
    assert row.game_creation.year >= 2024


def test_a_batch_is_one_transaction_that_credits_each_new_player_once(session: Session) -> None:
    shared = [f.puuid(i) for i in range(5)]
    first = f.match("NA1_201", [*shared, *(f.puuid(i) for i in range(10, 15))])
    second = f.match("NA1_200", [*shared, *(f.puuid(i) for i in range(20, 25))])
    results = ingest_matches(session=session, matches=[first, second, first])
    assert [r.match_id for r in results] == ["NA1_201", "NA1_200"]  # input order, once each
    assert all(r.match_created and r.participants_created == 10 for r in results)
    # The shared five are credited to the match written first (ids in order): NA1_200.
    by_id = {r.match_id: r.players_discovered for r in results}
    assert by_id == {"NA1_200": 10, "NA1_201": 5}
    assert _scalar(session, "SELECT count(*) FROM players") == 15
    assert _scalar(session, "SELECT count(*) FROM match_participants") == 20
    again = ingest_matches(session=session, matches=[second, first])
    assert sum(r.records_created for r in again) == 0
    assert ingest_matches(session=session, matches=[]) == []


def test_a_failing_batch_stores_none_of_its_matches(session: Session) -> None:
    good = f.match("NA1_300", [f.puuid(1)])
    bad = f.match("NA1_" + "9" * 40, [f.puuid(2)])  # longer than the column: the batch fails
    with pytest.raises(Exception):  # noqa: B017 - any database error
        ingest_matches(session=session, matches=[good, bad])
    assert _scalar(session, "SELECT count(*) FROM matches") == 0
    assert _scalar(session, "SELECT count(*) FROM players") == 0


def test_a_match_fills_in_the_riot_id_of_a_player_tracked_by_puuid(session: Session) -> None:
    """Issue 21: `players track PUUID` stores no Riot ID; the player's matches carry it, and
    then `players show 'Name#TAG'` must find them. A known Riot ID is left alone."""
    people = [f.puuid(i) for i in range(10)]
    session.execute(
        text("INSERT INTO players (puuid, platform, is_tracked, is_analyzed)"
             " VALUES (:p, 'na1', true, false)"),
        {"p": people[0]},
    )  # fmt: skip
    session.execute(
        text("INSERT INTO players (puuid, platform, game_name, tag_line, is_tracked, is_analyzed)"
             " VALUES (:p, 'na1', 'Renamed', 'OLD', false, false)"),
        {"p": people[1]},
    )  # fmt: skip
    session.commit()
    ingest_match(session=session, match=f.match("NA1_190", people))
    rows = dict(
        session.execute(
            text("SELECT puuid, game_name || '#' || tag_line FROM players WHERE puuid = ANY(:p)"),
            {"p": people[:2]},
        ).all()
    )
    assert rows == {people[0]: "Player0000#TST", people[1]: "Renamed#OLD"}
