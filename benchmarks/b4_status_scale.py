"""B4: `riotjobs status`, `history` and `stats` against a million execution rows.

Creates its own database on the server named by ``RIOTJOBS_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``), migrates it, bulk-loads ``--rows`` executions
with ``INSERT ... SELECT generate_series`` (ten jobs on a two-minute cadence, so a million rows
span about 140 days), then times the read commands as real processes and prints EXPLAIN ANALYZE
of every query `status` issues, to show index use. The target is under 0.5 s wall per command.
The first command validates the new jobs.yaml and caches it; it is timed once, on a row of its
own, and the others read the cache, as every command does until jobs.yaml changes.

    .venv/bin/python benchmarks/b4_status_scale.py              # 1,000,000 rows
    .venv/bin/python benchmarks/b4_status_scale.py --rows 5000  # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RIOTJOBS = str(Path(sys.executable).with_name("riotjobs"))
TARGET_S = 0.5

LOAD_SQL = """
INSERT INTO job_executions (job_id, trigger, status, host, pid, timeout_s, started_at,
    finished_at, duration_ms, exit_code, error, log, api_requests_made, records_created)
SELECT
    'job_' || (g %% %(jobs)s),
    CASE WHEN g %% 50 = 0 THEN 'manual' ELSE 'cron' END,
    s.status,
    'bench-host', 1000 + g %% 30000, 90,
    ts, ts + make_interval(secs => d / 1000.0), d,
    CASE s.status WHEN 'success' THEN 0 WHEN 'failed' THEN 1 WHEN 'timeout' THEN 124
                  WHEN 'skipped' THEN 75 ELSE 3 END,
    CASE WHEN s.status IN ('failed', 'timeout') THEN 'synthetic failure ' || g END,
    CASE WHEN g %% 100 = 0 THEN repeat('log line of a run ', 200) END,
    g %% 120, g %% 40
FROM generate_series(1, %(rows)s) AS g
CROSS JOIN LATERAL (SELECT now() - (g / %(jobs)s) * interval '2 minutes' AS ts,
                           (200 + (g::bigint * 7919) %% 60000)::bigint AS d) AS t
CROSS JOIN LATERAL (SELECT CASE
    WHEN g <= %(jobs)s * 5 THEN 'success'
    WHEN g %% 211 = 0 THEN 'timeout'
    WHEN g %% 97 = 0 THEN 'failed'
    WHEN g %% 53 = 0 THEN 'skipped'
    WHEN g %% 31 = 0 THEN 'partial'
    ELSE 'success' END AS status) AS s
"""


def _admin(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True)


def _db_url(admin_url: str, name: str) -> str:
    base, _, query = admin_url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


def _jobs_yaml(path: Path, jobs: int) -> None:
    lines = ["jobs:"]
    for i in range(jobs):
        lines += [f"  job_{i}:", '    schedule: "*/2 * * * *"', "    tasks: [sleep]"]
    # A job without a single run: its "last run" must be one index probe, not a full scan.
    lines += ["  idle:", '    schedule: "0 3 * * 0"', "    tasks: [sleep]"]
    path.write_text("\n".join(lines) + "\n")


def _time(args: list[str], env: dict[str, str], repeat: int) -> dict[str, Any]:
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([RIOTJOBS, *args], env=env, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):  # status exits 0; --check style codes are fine
            raise SystemExit(f"riotjobs {' '.join(args)} failed: {done.stderr.strip()}")
    return {
        "command": "riotjobs " + " ".join(args),
        "median_s": round(statistics.median(walls), 3),
        "max_s": round(max(walls), 3),
        "under_target": max(walls) < TARGET_S,
    }


def _explain(url: str, config: Path) -> list[str]:
    """EXPLAIN ANALYZE of each statement `status`, `history --status` and `stats` run (captured
    in-process: the read queries all go through ``riotjobs.runs.queries._run``)."""
    from riotjobs.config import load_jobs
    from riotjobs.db.engine import connect
    from riotjobs.ops.status import build_status, history, run_stats
    from riotjobs.runs import queries
    from riotjobs.tasks.registry import REGISTRY

    captured: list[tuple[str, dict[str, Any]]] = []
    run = queries._run

    def capture(conn: Any, sql: str, **params: Any) -> Any:
        if sql.lstrip().upper().startswith("SELECT") and "job_executions" in sql:
            captured.append((sql, params))
        return run(conn, sql, **params)

    jobs = load_jobs(config, registry=REGISTRY)
    queries._run = capture
    try:
        with connect(url) as conn:
            build_status(conn=conn, jobs=jobs, database="bench", reap=False)
            history(conn=conn, jobs=jobs, job_id="job_3", status="failed", since=timedelta(days=7))
            run_stats(conn=conn, jobs=jobs, since=timedelta(days=7))
    finally:
        queries._run = run
    plans = []
    with connect(url) as conn:
        for statement, params in captured:
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params)
            plans.append(" ".join(statement.split())[:160] + "\n" + "\n".join(r[0] for r in rows))
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    admin_url = os.environ.get("RIOTJOBS_BENCH_DATABASE_URL", DEFAULT_URL)
    name = f"rj_bench_b4_{os.getpid()}"
    with _admin(admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _db_url(admin_url, name)
    workdir = Path(tempfile.mkdtemp(prefix="rj-b4-"))
    config = workdir / "jobs.yaml"
    _jobs_yaml(config, args.jobs)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RIOTJOBS_", "RIOT_API"))},
        "PYTHONDONTWRITEBYTECODE": "",  # an installed riotjobs has its bytecode (see _common)
        "RIOTJOBS_DATABASE_URL": url,
        "RIOTJOBS_CONFIG": str(config),
        "RIOTJOBS_ENV_FILE": str(workdir / "none"),
        "XDG_CACHE_HOME": str(workdir / "cache"),  # its own jobs cache, cold at the start
        "NO_COLOR": "1",
        "COLUMNS": "120",
    }
    try:
        subprocess.run([RIOTJOBS, "db", "upgrade"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(LOAD_SQL, {"rows": args.rows, "jobs": args.jobs})
            conn.execute("VACUUM ANALYZE job_executions")
        load_s = time.perf_counter() - started
        # The first command after jobs.yaml was written validates it and caches the result
        # (riotjobs.jobcache): timed once, on its own row; every later command reads the cache.
        cold = _time(["jobs"], env, 1)
        cold["command"] += " (first run: validates jobs.yaml)"
        results = [
            _time(["--version"], env, args.repeat),  # the interpreter start-up floor
            cold,
            _time(["status"], env, args.repeat),
            _time(["status", "--json"], env, args.repeat),
            _time(["jobs"], env, args.repeat),
            _time(["history", "job_3"], env, args.repeat),
            _time(["history", "job_3", "--status", "failed", "--since", "7d"], env, args.repeat),
            _time(["stats"], env, args.repeat),
            _time(["stats", "--since", "7d"], env, args.repeat),
        ]
        plans = _explain(url, config)
    finally:
        if not args.keep:
            with _admin(admin_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {url} and {config}", file=sys.stderr)
    report = {"rows": args.rows, "jobs": args.jobs, "load_s": round(load_s, 1),
              "target_s": TARGET_S, "results": results}  # fmt: skip
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"B4 status at scale: {args.rows:,} executions, {args.jobs} jobs, loaded in {load_s:.1f} s"
    )
    print(f"{'command':<58} {'median s':>9} {'max s':>7}  < {TARGET_S} s")
    for r in results:
        print(f"{r['command']:<58} {r['median_s']:>9.3f} {r['max_s']:>7.3f}  {r['under_target']}")
    print("\nEXPLAIN ANALYZE of the queries behind `status`, `history --status` and `stats`:")
    for plan in plans:
        print("\n" + plan)


if __name__ == "__main__":
    main()
