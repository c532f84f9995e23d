"""The scores: range, empty and small samples, boundaries and monotonicity."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riotjobs.analysis import DEFAULT_WEIGHTS, SCORES, DetectionError, PlayerFeatures, analyze
from riotjobs.analysis import scores as s
from riotjobs.analysis.features import Stats
from tests.analysis.factories import features, match, snapshot

FACTORS = st.floats(min_value=0.2, max_value=5.0, allow_nan=False)


def conf(p: PlayerFeatures) -> float:
    return analyze(p, weights=DEFAULT_WEIGHTS, threshold=0.5).confidence


@pytest.mark.parametrize("name", [n for n in SCORES if n != "low_rank"])
def test_empty_history_scores_zero(name: str) -> None:
    empty = PlayerFeatures(puuid="P", summoner_level=None, total_matches=0)
    assert SCORES[name](empty).value == 0.0


def test_an_unknown_rank_is_neither_low_nor_high() -> None:
    empty = PlayerFeatures(puuid="P", summoner_level=None, total_matches=0)
    assert s.low_rank(empty).value == 0.5
    assert s.low_rank(features(ranks=[snapshot("SILVER", "I", 50, 10)])).value == 1.0
    assert s.low_rank(features(ranks=[snapshot("PLATINUM", "IV", 0, 10)])).value == pytest.approx(
        2 / 3
    )
    assert s.low_rank(features(ranks=[snapshot("DIAMOND", "II", 0, 10)])).value == 0.0


def test_without_a_snapshot_the_lobbies_give_the_rank() -> None:
    gold = [snapshot("GOLD", "IV", 0, 10)] * s.MIN_MET  # 1200 ladder points: low
    diamond = [snapshot("DIAMOND", "IV", 0, 10)] * s.MIN_MET
    strong = {"n": 40, "factor": 1.6, "opp_factor": 1.6, "level": 40}
    met_gold = features(**strong)  # type: ignore[arg-type]
    met_gold.met_ranks = gold
    met_diamond = features(**strong)  # type: ignore[arg-type]
    met_diamond.met_ranks = diamond
    assert s.low_rank(met_gold).value == 1.0
    assert s.low_rank(met_gold).metrics["source"] == "lobby"
    assert s.low_rank(met_diamond).value == 0.0
    assert s.rank_discrepancy(met_diamond).metrics["tier"] == "DIAMOND"
    # A young account dominating Diamond lobbies is a strong player, not a smurf.
    assert conf(met_diamond) < 0.2 < 0.9 < conf(met_gold)
    too_few = features(**strong)  # type: ignore[arg-type]
    too_few.met_ranks = diamond[: s.MIN_MET - 1]
    assert s.low_rank(too_few).value == 0.5
    own = features(ranks=[snapshot("SILVER", "I", 0, 10)], **strong)  # type: ignore[arg-type]
    own.met_ranks = diamond  # the player's own snapshot wins
    assert s.low_rank(own).value == 1.0


def test_standout_games_count_games_far_above_the_lobby() -> None:
    assert s.standout_games(features(n=30, factor=1.3)).value == 0.0  # good, not far above
    bursty = features(n=30, factor=1.0)
    for i in range(0, 30, 3):  # a third of the games at twice the lobby
        bursty.matches[i] = match(i, win=True, factor=2.0)
    assert s.standout_games(bursty).value >= 0.7
    assert s.standout_games(features(n=3, factor=3.0)).value < 0.5  # three games prove little


@pytest.mark.parametrize("name", list(SCORES))
def test_three_lucky_games_stay_low(name: str) -> None:
    lucky = features(n=3, wins=3, factor=2.0, opp_factor=2.0, level=None)
    assert SCORES[name](lucky).value <= 0.5, SCORES[name](lucky)


def test_three_lucky_games_are_not_a_smurf() -> None:
    lucky = features(n=3, wins=3, factor=3.0, opp_factor=3.0, level=40)
    assert conf(lucky) < 0.5


def test_average_player_scores_zero_everywhere() -> None:
    p = features(n=40, wins=20, factor=1.0, opp_factor=1.0, level=400)
    evidence = {n: SCORES[n](p).value for n in SCORES if n not in ("low_rank", "old_account")}
    assert evidence == dict.fromkeys(evidence, 0.0)
    assert s.old_account(p).value == 1.0  # level 400: context, not evidence
    assert conf(p) < 0.02


def test_the_same_performance_counts_for_more_on_a_young_low_ranked_account() -> None:
    young = [snapshot("SILVER", "II", 0, 30)]
    old = [snapshot("DIAMOND", "I", 0, 30)]
    strong = {"n": 30, "wins": 19, "factor": 1.6, "opp_factor": 1.6}
    assert conf(features(level=45, ranks=young, **strong)) >= 0.9  # type: ignore[arg-type]
    assert conf(features(level=450, ranks=old, **strong)) < 0.5  # type: ignore[arg-type]


def test_smurf_profile_is_flagged_and_normal_hot_streak_is_not() -> None:
    ranks = [snapshot("SILVER", "IV", 0, 10, 0), snapshot("GOLD", "II", 50, 40, 10)]
    smurf = features(n=30, wins=22, factor=1.8, opp_factor=1.8, level=45, ranks=ranks)
    assert conf(smurf) >= 0.8
    # A normal main: ten-game win streak, then back to 50%, average performance overall.
    streak = [True] * 10 + [i % 2 == 0 for i in range(20)]
    normal = features(n=30, factor=1.05, opp_factor=1.05, level=350, win_pattern=streak)
    assert conf(normal) < 0.3
    # An honest new account: low level, otherwise average.
    newbie = features(n=25, wins=13, factor=1.0, opp_factor=1.0, level=35)
    assert conf(newbie) < 0.3


def test_an_old_main_below_its_skill_is_not_a_smurf_but_a_young_account_is() -> None:
    """The same games, Bronze, strong against the lobby and the lane: a smurf on a level-45
    account, a main placed or decayed below its skill on a level-313 one (analysis 2.2)."""
    bronze = [snapshot("BRONZE", "II", 40, 30)]
    games = {"n": 60, "wins": 36, "factor": 1.35, "opp_factor": 1.5, "ranks": bronze}
    young = analyze(features(level=45, **games), weights=DEFAULT_WEIGHTS, threshold=0.5)  # type: ignore[arg-type]
    old = analyze(features(level=313, **games), weights=DEFAULT_WEIGHTS, threshold=0.5)  # type: ignore[arg-type]
    assert young.is_smurf
    assert not old.is_smurf
    parts = old.contributions()
    assert parts["old_account"] < 0  # the verdict says why: the account's age took it back
    evidence = sum(v for n, v in parts.items() if n not in ("account_level", "low_rank"))
    assert evidence >= 0  # never more than all of the evidence
    # Between 200 and 300 the gate is partial; below 200 the score is silent.
    mid = analyze(features(level=250, **games), weights=DEFAULT_WEIGHTS, threshold=0.5)  # type: ignore[arg-type]
    at_200 = analyze(features(level=200, **games), weights=DEFAULT_WEIGHTS, threshold=0.5)  # type: ignore[arg-type]
    assert old.confidence < mid.confidence < at_200.confidence
    assert at_200.contributions()["old_account"] == 0.0


def test_old_account_boundaries() -> None:
    assert s.old_account(features(level=45)).value == 0.0
    assert s.old_account(features(level=200)).value == 0.0
    assert s.old_account(features(level=250)).value == pytest.approx(0.5)
    assert s.old_account(features(level=300)).value == 1.0
    assert s.old_account(features(level=1100)).value == 1.0
    assert s.old_account(features(level=None)).value == 0.0


def test_win_rate_boundaries() -> None:
    assert s.win_rate(features(n=20, wins=0)).value == 0.0
    assert s.win_rate(features(n=20, wins=20)).value == 1.0
    assert s.win_rate(features(n=20, wins=11)).value == 0.0  # 55% raw is ordinary
    assert 0.0 < s.win_rate(features(n=20, wins=15)).value < 1.0


def test_win_rate_trend_ignores_a_single_hot_streak() -> None:
    hot_third = [True] * 7 + [False, True] * 7
    assert s.win_rate_trend(features(n=21, win_pattern=hot_third)).value == 0.0
    assert s.win_rate_trend(features(n=21, wins=17)).value > 0.5
    assert s.win_rate_trend(features(n=5, wins=5)).value == 0.0


def test_account_level_boundaries() -> None:
    assert s.account_level(features(level=30)).value == 1.0
    assert s.account_level(features(level=60)).value == 1.0
    assert s.account_level(features(level=130)).value == pytest.approx(0.5)
    assert s.account_level(features(level=200)).value == 0.0
    assert s.account_level(features(level=900)).value == 0.0
    assert s.account_level(features(level=None)).value == 0.0


def test_rank_progression_needs_two_snapshots_and_games() -> None:
    one = features(ranks=[snapshot("SILVER", "I", 50, 10)])
    assert s.rank_progression(one).value == 0.0
    no_games = features(ranks=[snapshot("SILVER", "I", 0, 10, 0), snapshot("GOLD", "I", 0, 10, 1)])
    assert s.rank_progression(no_games).value == 0.0
    climb = [snapshot("SILVER", "IV", 0, 10, 0), snapshot("PLATINUM", "IV", 0, 60, 9)]
    assert s.rank_progression(features(ranks=climb)).value == 1.0  # 800 LP in 50 games
    fall = [snapshot("GOLD", "I", 0, 10, 0), snapshot("SILVER", "I", 0, 60, 9)]
    assert s.rank_progression(features(ranks=fall)).value == 0.0


def test_ladder_points() -> None:
    assert s.ladder_points("IRON", "IV", 0) == 0
    assert s.ladder_points("SILVER", "II", 40) == 2 * 400 + 200 + 40
    assert s.ladder_points("MASTER", "I", 120) == s.ladder_points("CHALLENGER", "I", 120)
    assert s.ladder_points(None, None, 0) is None
    assert s.ladder_points("WOOD", "I", 0) is None


def test_rank_discrepancy_is_lower_at_high_tiers() -> None:
    low = features(factor=2.0, ranks=[snapshot("SILVER", "II", 10, 30)])
    high = features(factor=2.0, ranks=[snapshot("DIAMOND", "II", 10, 30)])
    assert s.rank_discrepancy(low).value > s.rank_discrepancy(high).value > 0


def test_role_performance_needs_an_opponent() -> None:
    assert s.role_performance(features(factor=3.0, opp_factor=None)).value == 0.0
    assert s.role_performance(features(opp_factor=2.0)).value == 1.0


def test_support_judged_on_vision_not_cs() -> None:
    mine = Stats(kda=5.0, damage=15_000, gold=8_000, cs=30, vision=90)
    opp = Stats(kda=2.5, damage=10_000, gold=8_000, cs=40, vision=45)
    m = match(0, win=True)
    sup = type(m)(m.match_id, m.played_at, True, "UTILITY", mine, opp, 10, opp)
    top = type(m)(m.match_id, m.played_at, True, "TOP", mine, opp, 10, opp)
    assert (sup.opponent_index or 0) > (top.opponent_index or 0)


def test_non_finite_data_is_a_detection_error() -> None:
    p = features(n=20)
    bad = p.matches[0]
    nan = Stats(math.nan, 1.0, 1.0, 1.0, 1.0)
    p.matches[0] = type(bad)(bad.match_id, bad.played_at, True, "MIDDLE", nan, nan, 10, None)
    with pytest.raises(DetectionError):
        s.kda(p)


@settings(max_examples=60, deadline=None)
@given(a=FACTORS, b=FACTORS, n=st.integers(min_value=0, max_value=40))
def test_performance_scores_are_monotone_in_lobby_relative_performance(
    a: float, b: float, n: int
) -> None:
    lo, hi = sorted((a, b))
    for name in ("kda", "performance_consistency", "performance_trends", "rank_discrepancy"):
        fn = SCORES[name]
        assert fn(features(n=n, factor=lo)).value <= fn(features(n=n, factor=hi)).value, name
    low_opp = s.role_performance(features(n=n, opp_factor=lo)).value
    assert low_opp <= s.role_performance(features(n=n, opp_factor=hi)).value


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=1, max_value=40), data=st.data())
def test_win_scores_are_monotone_in_wins(n: int, data: st.DataObject) -> None:
    w1 = data.draw(st.integers(min_value=0, max_value=n))
    w2 = data.draw(st.integers(min_value=w1, max_value=n))
    for name in ("win_rate", "win_rate_trend"):
        fn = SCORES[name]
        assert fn(features(n=n, wins=w1)).value <= fn(features(n=n, wins=w2)).value


@settings(max_examples=60, deadline=None)
@given(l1=st.integers(1, 2000), l2=st.integers(1, 2000))
def test_account_level_never_rises_with_level(l1: int, l2: int) -> None:
    lo, hi = sorted((l1, l2))
    assert s.account_level(features(level=lo)).value >= s.account_level(features(level=hi)).value


@settings(max_examples=60, deadline=None)
@given(l1=st.integers(1, 2000), l2=st.integers(1, 2000))
def test_old_account_never_falls_with_level(l1: int, l2: int) -> None:
    lo, hi = sorted((l1, l2))
    assert s.old_account(features(level=lo)).value <= s.old_account(features(level=hi)).value


@settings(max_examples=60, deadline=None)
@given(g1=st.integers(-400, 1200), g2=st.integers(-400, 1200), games=st.integers(1, 200))
def test_rank_progression_monotone_in_ladder_gain(g1: int, g2: int, games: int) -> None:
    lo, hi = sorted((g1, g2))

    def climb(gain: int) -> PlayerFeatures:
        start = snapshot("GOLD", "IV", 0, 10)
        end_points = 3 * 400 + gain
        tier = s.TIERS[max(0, min(6, end_points // 400))]
        rest = end_points - s.TIERS.index(tier) * 400
        division = ("IV", "III", "II", "I")[max(0, min(3, rest // 100))]
        lp = rest - ("IV", "III", "II", "I").index(division) * 100
        return features(ranks=[start, snapshot(tier, division, lp, 10 + games, 5)])

    assert s.rank_progression(climb(lo)).value <= s.rank_progression(climb(hi)).value


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 60), wins=st.data(), factor=FACTORS, level=st.integers(1, 3000))
def test_every_score_stays_in_unit_interval(
    n: int, wins: st.DataObject, factor: float, level: int
) -> None:
    p = features(
        n=n,
        wins=wins.draw(st.integers(0, n)),
        factor=factor,
        opp_factor=factor,
        level=level,
        ranks=[snapshot("BRONZE", "I", 0, 5, 0), snapshot("EMERALD", "II", 99, 5 + n, 3)],
    )
    for name, fn in SCORES.items():
        assert 0.0 <= fn(p).value <= 1.0, name
    assert 0.0 <= conf(p) <= 1.0
