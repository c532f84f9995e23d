"""Shared fixtures: a real Postgres per test, environments for spawned `riotjobs` processes,
and paths to the shared Riot examples."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import pgharness
from tests.helpers import RIOT_EXAMPLES, missing

# What the terminal summary reports: which server ran the database-backed tests, and how many.
_PG_USE = {"origin": "", "databases": 0}

# riotjobs caches validated jobs files under $XDG_CACHE_HOME: the tests' (and the processes they
# spawn) go to a folder of their own, removed at the end, never to the user's ~/.cache.
_CACHE_HOME = Path(tempfile.mkdtemp(prefix="rj-test-cache-"))
os.environ["XDG_CACHE_HOME"] = str(_CACHE_HOME)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE_HOME, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _ctrl_c_reaches_children() -> Iterator[None]:
    """A shell's background job (`make test &`, `nohup ... &`) starts with SIGINT ignored, and
    every process the tests spawn would inherit that: a Ctrl-C sent to a spawned `riotjobs logs
    -f` would then do nothing. Give the session, and so its children, a terminal's disposition."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgharness.PgServer]:
    try:
        server = pgharness.find_server()
    except Exception as exc:
        missing(f"no Postgres available: {exc}")
    server.drop_stale()
    _PG_USE["origin"] = server.origin
    yield server


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _PG_USE["origin"]:
        terminalreporter.write_line(
            f"riotjobs: {_PG_USE['databases']} tests ran on their own Postgres database "
            f"({_PG_USE['origin']})"
        )
    else:
        terminalreporter.write_line("riotjobs: no Postgres-backed test ran")


@pytest.fixture(scope="session")
def pg_template(pg_server: pgharness.PgServer) -> Iterator[str]:
    with pgharness.template(pg_server) as name:
        yield name


@pytest.fixture
def db_url(pg_server: pgharness.PgServer, pg_template: str) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, migrated database, dropped after the test."""
    from riotjobs.db.engine import to_sqlalchemy

    name = pg_server.next_name()
    url = pg_server.create(name, template=pg_template)
    _PG_USE["databases"] += 1
    yield to_sqlalchemy(url)
    pg_server.drop(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    from riotjobs.db.engine import create_engine

    eng = create_engine(db_url, application_name="riotjobs tests")
    yield eng
    eng.dispose()


@pytest.fixture
def conn(db_url: str) -> Iterator[Any]:
    """A plain psycopg connection (autocommit) to the test database: what read commands use."""
    from riotjobs.db.engine import connect

    with connect(db_url, application_name="riotjobs tests") as plain:
        yield plain


@pytest.fixture
def session(engine: Any) -> Iterator[Any]:
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def server_dir() -> Iterator[Path]:
    """A folder for a test that starts an embedded Postgres. Not ``tmp_path``: a concurrent pytest
    session of the same user prunes old ``pytest-N`` folders, and with them a running cluster's
    data. The test stops its server; the folder is removed afterwards."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="rj-srv-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def jobs_file(tmp_path: Path) -> Any:
    """Write a jobs.yaml and return its path: ``jobs_file('jobs: ...')``."""

    def write(text: str, name: str = "jobs.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> dict[str, str]:
    """Environment for a riotjobs process on the test database, isolated from the user's files.

    It is also applied to this process (for CliRunner tests)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIOTJOBS_", "RIOT_API"))}
    (tmp_path / "empty.env").touch()  # `check` reports a named env file that does not exist
    env.update(
        RIOTJOBS_DATABASE_URL=db_url,
        RIOTJOBS_ENV_FILE=str(tmp_path / "empty.env"),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        NO_COLOR="1",
        COLUMNS="120",
    )
    for key in list(os.environ):
        if key.startswith(("RIOTJOBS_", "RIOT_API")):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def riot_examples() -> Path:
    """The shared real Riot API examples; skips when ../shared is absent."""
    if not (RIOT_EXAMPLES / "match-v5").is_dir():
        pytest.skip("../shared/riot-examples is not present")
    return RIOT_EXAMPLES
