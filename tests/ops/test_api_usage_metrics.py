"""API usage per run in `metrics` and `stats`: Prometheus counters that parse with
prometheus_client, whose label sets stay the same size however many players the runs touched
(README: API usage per run)."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from riotjobs.counters import RATE_LIMIT_TYPES, Counters
from riotjobs.ops import metrics
from riotjobs.riot.routing import ENDPOINTS, PLATFORM_REGION
from riotjobs.runs import executions as rows

HEADERS = ("application", "method", "service", None, "Service", "surprise")  # as Riot might send


def _record_run(conn: Any, job: str, players: list[tuple[str, str]], *, limited_every: int) -> int:
    """A run that asked every endpoint about every player (puuid, platform), counted the way the
    Riot client counts, and finalized the way the runner does."""
    counters = Counters()
    for n, (_puuid, platform) in enumerate(players):
        for endpoint in ENDPOINTS:
            routing = endpoint.routing_value(platform)
            counters.add("api_requests_made")
            counters.usage.request(endpoint.name, routing)
            if n % limited_every == 0:
                counters.add("rate_limited_responses")
                header = HEADERS[(n // limited_every) % len(HEADERS)]
                counters.usage.rate_limited(endpoint.name, routing, header)
    with conn.cursor() as cur:
        execution_id = rows.insert_running(cur, job_id=job, trigger="cron", timeout_s=60)
        rows.finalize(
            cur,
            execution_id=execution_id,
            status="success",
            exit_code=0,
            error=None,
            counters=counters.as_dict(),
            log="",
            usage=counters.usage.rows(),
        )
    return execution_id


def _players(conn: Any, count: int) -> list[tuple[str, str]]:
    platforms = sorted(PLATFORM_REGION)
    found = [(f"puuid-{n:06d}-x", platforms[n % len(platforms)]) for n in range(count)]
    with conn.cursor() as cur:
        cur.execute("DELETE FROM players")
        cur.execute(
            "INSERT INTO players (puuid, platform, is_tracked)"
            " SELECT p, f, false FROM unnest(%s::text[], %s::text[]) AS u(p, f)",
            ([p for p, _ in found], [f for _, f in found]),
        )
    return found


def _label_sets(text: str) -> dict[str, set[tuple[tuple[str, str], ...]]]:
    found: dict[str, set[tuple[tuple[str, str], ...]]] = {}
    for family in text_string_to_metric_families(text):
        assert family.documentation, family.name
        for sample in family.samples:
            found.setdefault(sample.name, set()).add(tuple(sorted(sample.labels.items())))
    return found


def test_usage_counters_parse_and_stay_bounded_with_10000_players(conn: Any) -> None:
    jobs = ["updater", "analyzer"]
    few = _players(conn, 100)
    for job in jobs:
        _record_run(conn, job, few, limited_every=7)
    small = metrics.render(conn=conn, job_ids=jobs)

    many = _players(conn, 10_000)
    for job in jobs:
        for _ in range(2):
            _record_run(conn, job, many, limited_every=97)
    large = metrics.render(conn=conn, job_ids=jobs)

    small_sets, large_sets = _label_sets(small), _label_sets(large)
    assert large_sets == small_sets  # 100 times the players: not one series more
    requests = large_sets["riotjobs_api_requests_total"]
    limited = large_sets["riotjobs_api_rate_limited_total"]
    assert len(requests) == len(jobs) * len(ENDPOINTS)
    assert len(limited) == len(jobs) * len(ENDPOINTS) * len(RATE_LIMIT_TYPES)
    assert {dict(s)["type"] for s in limited} == set(RATE_LIMIT_TYPES)
    assert {k for s in limited for k, _ in s} == {"job", "endpoint", "type"}
    assert "puuid-" not in large and "na1" not in large  # no player, no routing value

    # The counters add up to the runs' own counters.
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(large)
        for s in family.samples
    }
    with conn.cursor() as cur:
        made, limited_total = cur.execute(
            "SELECT sum(api_requests_made), sum(rate_limited_responses) FROM job_executions"
        ).fetchone()
    assert sum(v for (n, _), v in values.items() if n == "riotjobs_api_requests_total") == made
    assert (
        sum(v for (n, _), v in values.items() if n == "riotjobs_api_rate_limited_total")
        == limited_total
    )


def test_stats_give_requests_per_run_and_the_429_rate(conn: Any, jobs_file: Any) -> None:
    from riotjobs.config import load_jobs
    from riotjobs.ops.status import run_stats
    from riotjobs.tasks.registry import REGISTRY

    jobs = load_jobs(
        jobs_file('jobs: {updater: {schedule: "*/2 * * * *", tasks: [sleep]}}'),
        registry=REGISTRY,
    )
    players = _players(conn, 50)
    _record_run(conn, "updater", players, limited_every=5)  # 300 requests, 60 limited
    _record_run(conn, "updater", players[:10], limited_every=1000)  # 60 requests, 6 limited
    (stats,) = run_stats(conn=conn, jobs=jobs).jobs
    assert stats.avg_api_requests == 180
    assert stats.rate_limited == 66 and stats.rate_limited_rate == 66 / 360
    doc = stats.to_json()
    assert doc["rate_limited_rate"] == round(66 / 360, 4)
    assert doc["p50_duration_ms"] is not None and doc["p95_duration_ms"] is not None
