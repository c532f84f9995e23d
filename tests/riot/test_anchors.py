"""Window anchors (migrations 0004 and 0007): a response that Riot counted first in its window
tells when that window ends, and the requests known to be in it (or in an earlier window) are
logged at the anchor's completion."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest

from riotjobs.riot.headers import Limits
from riotjobs.riot.limiter import Announced, Limiter, Scope, Slot
from tests.riot.helpers import FP, pending, stored, wait_of

APP, METHOD = "10:1", "100:10"


@pytest.fixture
def limiter(db_url: str) -> Iterator[Limiter]:
    limiter = Limiter(db_url, margin=0.01)
    yield limiter
    limiter.close()


@pytest.fixture
def pair(limiter: Limiter) -> tuple[Scope, Scope]:
    """Learned scopes (``10:1`` and ``100:10``), with nothing in their logs yet."""
    scopes = Scope.application(FP, "na1", APP), Scope.method(FP, "na1", "match-v5.match", METHOD)
    limiter.observe(
        [Announced(scopes[0], ((10, 1.0),), None), Announced(scopes[1], ((100, 10.0),), None)],
        answered=True,
    )
    return scopes


def back(
    limiter: Limiter, pair: tuple[Scope, Scope], slot: Slot, app: Limits, method: Limits
) -> None:
    """``slot``'s request is back; Riot counted it ``app`` and ``method``."""
    limiter.observe(
        [Announced(pair[0], None, app), Announced(pair[1], None, method)], answered=True, slot=slot
    )


def first(limiter: Limiter, pair: tuple[Scope, Scope], db_url: str) -> float:
    """A request that Riot counted first in both its windows; returns its logged completion."""
    slot = limiter.acquire(pair)
    time.sleep(0.05)
    back(limiter, pair, slot, ((1, 1.0),), ((1, 10.0),))
    (stamp,) = stored(db_url)[pair[0].id]
    return stamp


def test_a_request_of_an_anchored_window_is_logged_at_the_anchor(
    limiter: Limiter, pair: tuple[Scope, Scope], db_url: str
) -> None:
    anchor = first(limiter, pair, db_url)
    slot = limiter.acquire(pair)  # after the anchor came back: in its window or a later one
    time.sleep(0.2)
    back(limiter, pair, slot, ((2, 1.0),), ((2, 10.0),))
    # Back before the anchor's acquire + 1 s, so counted in the anchor's window: Riot forgets
    # it when that window ends, and so does the log.
    assert stored(db_url)[pair[0].id] == [anchor, anchor]
    assert stored(db_url)[pair[1].id] == [anchor, anchor]
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        rows = conn.execute("SELECT scope, win, done FROM rate_limit_anchors").fetchall()
    assert sorted(rows) == sorted([(pair[0].id, 1.0, anchor), (pair[1].id, 10.0, anchor)])


def test_a_request_out_before_the_anchor_came_back_is_anchored_too(
    limiter: Limiter, pair: tuple[Scope, Scope], db_url: str
) -> None:
    # Both out together (migration 0007): the second reached Riot in the anchor's window or in
    # the one before, which closed earlier still; either way Riot forgets it by the anchor's
    # completion + 1 s, so the log may too.
    early, other = limiter.acquire(pair), limiter.acquire(pair)
    time.sleep(0.05)
    back(limiter, pair, early, ((1, 1.0),), ((1, 10.0),))
    (anchor,) = stored(db_url)[pair[0].id]  # the other one is still in flight
    time.sleep(0.1)
    back(limiter, pair, other, ((2, 1.0),), ((2, 10.0),))
    assert stored(db_url)[pair[0].id] == [anchor, anchor]
    assert stored(db_url)[pair[1].id] == [anchor, anchor]


def test_a_request_back_before_its_anchor_keeps_its_own_earlier_completion(
    limiter: Limiter, pair: tuple[Scope, Scope], db_url: str
) -> None:
    other, early = limiter.acquire(pair), limiter.acquire(pair)
    time.sleep(0.05)
    back(limiter, pair, other, ((2, 1.0),), ((2, 10.0),))  # no anchor known yet
    time.sleep(0.1)
    back(limiter, pair, early, ((1, 1.0),), ((1, 10.0),))
    first_back, anchor = stored(db_url)[pair[0].id]
    assert first_back < anchor  # its own completion, not moved later to the anchor's


def test_a_window_sent_at_once_frees_at_once(
    limiter: Limiter, pair: tuple[Scope, Scope], db_url: str
) -> None:
    """A whole window leaves before its anchor is back and its answers come back spread out:
    the next window still frees in one piece, at the anchor's completion + 1 s."""
    slots = [limiter.acquire(pair) for _ in range(10)]
    time.sleep(0.05)
    back(limiter, pair, slots[0], ((1, 1.0),), ((1, 10.0),))
    for count, slot in enumerate(slots[1:], start=2):
        time.sleep(0.03)
        back(limiter, pair, slot, ((count, 1.0),), ((count, 10.0),))
    assert len(set(stored(db_url)[pair[0].id])) == 1
    time.sleep(wait_of(limiter, pair) + 0.02)
    _, taken = limiter._take(pair, 10)
    assert len(taken) == 10


def test_a_request_back_after_the_window_could_have_closed_keeps_its_completion(
    limiter: Limiter, pair: tuple[Scope, Scope], db_url: str
) -> None:
    anchor = first(limiter, pair, db_url)
    slot = limiter.acquire(pair)
    time.sleep(1.0)  # back after the anchor's acquire + 1 s: it may have opened the next window
    back(limiter, pair, slot, ((2, 1.0),), ((2, 10.0),))
    app, method = stored(db_url)[pair[0].id], stored(db_url)[pair[1].id]
    assert app[0] == anchor and app[1] > anchor + 0.9
    assert method == [anchor, anchor]  # still inside the method's 10 s window


def test_every_window_of_a_row_must_hold_the_request(limiter: Limiter, db_url: str) -> None:
    both = ((10, 1.0), (50, 10.0))
    pair = Scope.application(FP, "euw1", "10:1,50:10"), Scope.method(FP, "euw1", "m", METHOD)
    limiter.observe(
        [Announced(pair[0], both, None), Announced(pair[1], ((100, 10.0),), None)], answered=True
    )
    slot = limiter.acquire(pair)
    time.sleep(0.05)
    back(limiter, pair, slot, ((1, 1.0), (1, 10.0)), ((1, 10.0),))
    anchor = stored(db_url)[pair[0].id][0]
    slot = limiter.acquire(pair)
    time.sleep(1.0)
    back(limiter, pair, slot, ((2, 1.0), (2, 10.0)), ((2, 10.0),))
    # The 10 s window holds it, the 1 s one may not have: one stamp serves both, so it stays.
    assert stored(db_url)[pair[0].id][1] > anchor + 0.9


def test_a_window_without_an_anchor_keeps_completions(
    limiter: Limiter, pair: tuple[Scope, Scope], db_url: str
) -> None:
    slot = limiter.acquire(pair)
    time.sleep(0.05)
    limiter.observe([Announced(s, None, None) for s in pair], answered=True, slot=slot)  # no counts
    later = limiter.acquire(pair)
    time.sleep(0.1)
    back(limiter, pair, later, ((2, 1.0),), ((2, 10.0),))  # Riot's second in the window
    app = stored(db_url)[pair[0].id]
    assert app[1] - app[0] == pytest.approx(0.1, abs=0.05)


def test_an_anchored_window_frees_its_slots_together(
    limiter: Limiter, pair: tuple[Scope, Scope], db_url: str
) -> None:
    """The point of anchors: requests that went out over several round trips of one window
    are free again when that window ends, not each a window after its own completion."""
    first(limiter, pair, db_url)
    for count in range(2, 11):  # the rest of the window, a round trip apart
        slot = limiter.acquire(pair)
        time.sleep(0.04)
        back(limiter, pair, slot, ((count, 1.0),), ((count, 10.0),))
    wait = wait_of(limiter, pair)
    assert 0 < wait < 0.75  # without anchors: the last one's completion + 1 s, about 1 s away
    time.sleep(wait + 0.02)
    _, taken = limiter._take(pair, 10)
    assert len(taken) == 10


def test_far_below_the_limits_spares_are_taken_and_completions_written_late(
    db_url: str,
) -> None:
    """With room for thousands, the leader takes spare slots (pending in the database from
    the moment they are taken) and completions are queued; ``close`` writes them and hands the
    spares back, so nothing stays pending."""
    big = Scope.application(FP, "kr", "10000:1"), Scope.method(FP, "kr", "m", "10000:10")
    limiter = Limiter(db_url)
    counts = (((1, 1.0),), ((1, 10.0),))
    limiter.observe(
        [Announced(big[0], ((10000, 1.0),), None), Announced(big[1], ((10000, 10.0),), None)],
        answered=True,
    )
    slot = limiter.acquire(big)
    assert not slot.roomy  # nothing counted yet
    back(limiter, big, slot, *counts)
    roomy = limiter.acquire(big)
    assert roomy.roomy
    out = pending(db_url)[big[0].id]
    assert len(out) == 1 + 16  # its own and the spares
    spare = limiter.acquire(big)
    assert spare.roomy and spare.stamp in out  # taken with the first
    # Announcing the limits we know: queued (written by a 20 ms timer, or by close).
    back(limiter, big, roomy, ((2, 1.0),), ((2, 10.0),))
    back(limiter, big, spare, ((3, 1.0),), ((3, 10.0),))
    limiter.close()
    assert pending(db_url)[big[0].id] == []  # written, spares handed back
    assert len(stored(db_url)[big[0].id]) == 3


def test_near_the_limits_there_are_no_spares(
    limiter: Limiter, pair: tuple[Scope, Scope], db_url: str
) -> None:
    first(limiter, pair, db_url)  # 10:1 has room for 9: far too little
    slot = limiter.acquire(pair)
    assert not slot.roomy
    back(limiter, pair, slot, ((2, 1.0),), ((2, 10.0),))
    assert len(stored(db_url)[pair[0].id]) == 2  # written before observe returned
