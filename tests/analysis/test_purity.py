"""Every score and the combination are pure: same inputs, same output, and every value in [0, 1]
under hypothesis-generated match data, degenerate matches included (all-zero stats, a lobby of
two, no lane opponent, zero deaths, huge numbers, no rank, odd tiers)."""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from riotjobs.analysis import DEFAULT_WEIGHTS, SCORES, analyze
from riotjobs.analysis.combine import INTERCEPT, confidence, terms
from riotjobs.analysis.features import MatchFeatures, PlayerFeatures, RankSnapshot, Stats

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Zero and huge values on purpose: a stomp's 0-kill lobby, a 0-vision support, a 90 k damage game.
NUMBER = st.one_of(
    st.just(0.0),
    st.floats(min_value=0.0, max_value=100.0, allow_nan=False),
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
)
STATS = st.builds(Stats, kda=NUMBER, damage=NUMBER, gold=NUMBER, cs=NUMBER, vision=NUMBER)
POSITION = st.sampled_from(["TOP", "JUNGLE", "MIDDLE", "BOTTOM", "UTILITY", "", None])
TIER = st.sampled_from(
    ["IRON", "SILVER", "GOLD", "PLATINUM", "DIAMOND", "MASTER", "CHALLENGER", "UNKNOWN", None]
)


@st.composite
def matches(draw: st.DrawFn) -> list[MatchFeatures]:
    n = draw(st.integers(0, 40))
    out = []
    for i in range(n):
        out.append(
            MatchFeatures(
                match_id=f"M{i}",
                played_at=T0 + timedelta(hours=i),
                win=draw(st.booleans()),
                team_position=draw(POSITION),
                mine=draw(STATS),
                lobby=draw(STATS),
                lobby_size=draw(st.sampled_from([2, 10, 16])),
                opponent=draw(st.one_of(st.none(), STATS)),
            )
        )
    return out


@st.composite
def ranks(draw: st.DrawFn) -> list[RankSnapshot]:
    count = draw(st.integers(0, 3))
    return [
        RankSnapshot(
            T0 + timedelta(days=i),
            draw(TIER),
            draw(st.sampled_from(["I", "II", "III", "IV", None])),
            draw(st.integers(0, 1500)),
            draw(st.integers(0, 500)),
            draw(st.integers(0, 500)),
        )
        for i in range(count)
    ]


STATIC_RANKS = [
    RankSnapshot(T0, tier, "II", 50, 10, 10) for tier in ("IRON", "GOLD", "DIAMOND", "MASTER", None)
]
PLAYERS = st.builds(
    PlayerFeatures,
    puuid=st.just("P"),
    summoner_level=st.one_of(st.none(), st.integers(1, 3000)),
    total_matches=st.integers(0, 500),
    matches=matches(),
    ranks=ranks(),
    met_ranks=st.one_of(st.just([]), ranks(), st.lists(st.sampled_from(STATIC_RANKS), max_size=40)),
)
WEIGHTS = st.dictionaries(st.sampled_from(list(SCORES)), st.floats(0.0, 5.0), max_size=4)


@settings(max_examples=50, deadline=None)
@given(player=PLAYERS)
def test_every_score_is_in_unit_interval_and_pure(player: PlayerFeatures) -> None:
    twin = copy.deepcopy(player)
    for name, fn in SCORES.items():
        first = fn(player)
        assert 0.0 <= first.value <= 1.0, name
        assert fn(twin) == first == fn(player), name  # same inputs, same output, no state
    assert player == twin  # and the input is left untouched


@settings(max_examples=50, deadline=None)
@given(player=PLAYERS, weights=WEIGHTS)
def test_the_combination_is_pure_and_calibrated_output_is_a_probability(
    player: PlayerFeatures, weights: dict[str, float]
) -> None:
    w = {**DEFAULT_WEIGHTS, **weights}
    verdict = analyze(player, weights=w, threshold=0.5)
    again = analyze(copy.deepcopy(player), weights=dict(w), threshold=0.5)
    assert verdict == again
    assert 0.0 <= verdict.confidence <= 1.0
    assert verdict.is_smurf == (verdict.confidence >= 0.5)
    values = {n: s.value for n, s in verdict.scores.items()}
    assert confidence(values, w, player.sample_size) == verdict.confidence
    # The contributions are the whole story: intercept + Σ terms is the logit.
    logit = INTERCEPT + sum(verdict.contributions().values())
    assert math.isclose(1 / (1 + math.exp(-logit)), verdict.confidence, abs_tol=1e-9)
    assert verdict.contributions() == terms(values, w, player.sample_size)


@settings(max_examples=50, deadline=None)
@given(
    values=st.fixed_dictionaries({n: st.floats(0.0, 1.0) for n in SCORES}),
    name=st.sampled_from(list(SCORES)),
)
def test_more_evidence_never_lowers_the_confidence(values: dict[str, float], name: str) -> None:
    """Every coefficient on an evidence score is ≥ 0, so raising one never hides a smurf."""
    from riotjobs.analysis.combine import CONTEXT

    if name in CONTEXT:
        return
    higher = {**values, name: min(1.0, values[name] + 0.2)}
    assert confidence(higher, DEFAULT_WEIGHTS) >= confidence(values, DEFAULT_WEIGHTS)


@settings(max_examples=50, deadline=None)
@given(values=st.fixed_dictionaries({n: st.floats(0.0, 1.0) for n in SCORES}))
def test_an_older_account_never_raises_the_confidence(values: dict[str, float]) -> None:
    """old_account only takes evidence back (analysis 2.2): at most all of it, never more."""
    older = {**values, "old_account": min(1.0, values["old_account"] + 0.3)}
    assert confidence(older, DEFAULT_WEIGHTS) <= confidence(values, DEFAULT_WEIGHTS)
    gone = terms({**values, "old_account": 1.0}, DEFAULT_WEIGHTS)
    assert sum(v for n, v in gone.items() if n not in ("account_level", "low_rank")) >= -1e-9
