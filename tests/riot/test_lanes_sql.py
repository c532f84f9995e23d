"""The lane rules of ``riotjobs_rl_take`` (v3), called directly on one scope row."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

HIGH, NORMAL, LOW = 0, 1, 2
TAKE = (
    "SELECT coalesce(array_length(slots, 1), 0), wait_s FROM riotjobs_rl_take("
    "ARRAY['s'], %s, 'fp', 0.01, 30, 10, 0.05, 0.25, %s, %s, 1.0)"
)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(
            "INSERT INTO rate_limit_scopes (scope, limits, learned) VALUES ('s', '10:5', true)"
        )
        yield c


def take(
    conn: psycopg.Connection, wanted: int, lane: int, reserve: float = 0.2
) -> tuple[int, float]:
    row = conn.execute(TAKE, (wanted, lane, reserve)).fetchone()
    assert row is not None
    return int(row[0]), float(row[1])


def test_the_reserve_is_high_only(conn: psycopg.Connection) -> None:
    assert take(conn, 20, LOW) == (8, 0.0)  # 10 - 20 %
    assert take(conn, 20, NORMAL)[0] == 0
    assert take(conn, 20, HIGH) == (2, 0.0)  # the reserve
    assert take(conn, 1, HIGH)[0] == 0


def test_a_tiny_limit_still_admits_one_below_high(conn: psycopg.Connection) -> None:
    conn.execute("UPDATE rate_limit_scopes SET limits = '1:5'")
    assert take(conn, 5, LOW, reserve=0.5)[0] == 1


def test_a_waiting_higher_lane_holds_off_the_lower_ones(conn: psycopg.Connection) -> None:
    assert take(conn, 10, HIGH)[0] == 10
    got, wait = take(conn, 1, HIGH)  # nothing left: high now waits for the row
    assert got == 0 and wait > 4
    mark = conn.execute(
        "SELECT high_waits_until, normal_waits_until FROM rate_limit_scopes"
    ).fetchone()
    assert mark is not None and mark[0] is not None and mark[1] is None
    # The window frees (the stamps are moved back in time): only high may take it.
    conn.execute("UPDATE rate_limit_scopes SET pending = '{}', done = '{}'")
    got, wait = take(conn, 1, LOW)
    assert got == 0 and wait > 4  # until high's mark ends
    assert take(conn, 1, NORMAL)[0] == 0  # normal now waits too, behind high
    assert take(conn, 3, HIGH)[0] == 3
    conn.execute("UPDATE rate_limit_scopes SET high_waits_until = 0")  # high's mark expired
    assert take(conn, 1, LOW)[0] == 0  # normal's has not
    assert take(conn, 1, NORMAL)[0] == 1
    conn.execute("UPDATE rate_limit_scopes SET normal_waits_until = 0")
    assert take(conn, 1, LOW)[0] == 1  # nobody higher waits: low goes on


def test_a_waiting_normal_lane_holds_off_low_only(conn: psycopg.Connection) -> None:
    assert take(conn, 10, NORMAL)[0] == 8
    assert take(conn, 1, NORMAL)[0] == 0  # marks the row for normal
    conn.execute("UPDATE rate_limit_scopes SET pending = '{}', done = '{}'")
    assert take(conn, 1, LOW)[0] == 0
    assert take(conn, 1, HIGH)[0] == 1
    assert take(conn, 1, NORMAL)[0] == 1
