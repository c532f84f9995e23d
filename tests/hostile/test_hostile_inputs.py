"""Hostile input through every channel: environment, env file, jobs.yaml, arguments, stored
overrides. Whatever comes in, riotjobs answers with `riotjobs:` lines on stderr, the documented
exit code, no traceback, no secret, and in bounded time.

Tables of known bad inputs (each one a traceback, a hang or a wrong code before issue 21) run
in-process through CliRunner; hypothesis then generates many more of each kind. A smaller set
runs as real processes, where a hang is caught by the subprocess timeout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from riotjobs.cli import app
from tests.helpers import run_riotjobs

KEY = "RGAPI-hostile-4e1f9a"
PASSWORD = "pw-hostile-9c2d"
SECRETS = (KEY, PASSWORD, "hostile-4e1f", "hostile-9c2d")
CLOSED = f"postgresql://op:{PASSWORD}@127.0.0.1:1/riot"
FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MULTI = None  # an expected line count of None: one or more lines, each prefixed


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIOTJOBS_", "RIOT_API"))}
    base.update(
        RIOT_API_KEY=KEY,
        RIOTJOBS_DATABASE_URL=CLOSED,
        XDG_DATA_HOME=str(tmp / "xdg-data"),
        XDG_CONFIG_HOME=str(tmp / "xdg-config"),
        NO_COLOR="1",
        COLUMNS="120",
    )
    base.update(extra)
    return base


def assert_clean(
    code: int, stdout: str, stderr: str, allowed: set[int], lines: int | None = 1
) -> None:
    """The contract of every failure: documented code, prefixed lines, no traceback/secret."""
    assert code in allowed, (code, stderr[-2000:])
    text = stdout + stderr
    assert "Traceback" not in text, stderr[-3000:]
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked: {text[-2000:]}"
    if code == 0:
        return
    got = stderr.strip("\n").splitlines()
    assert got, "a failure printed nothing on stderr"
    assert all(line.startswith("riotjobs: ") for line in got), stderr[-2000:]
    if lines is not None:
        assert len(got) == lines, stderr[-2000:]


def invoke(args: list[str], env: dict[str, str]) -> Any:
    # CliRunner patches os.environ for the call: settings are read from `env` only.
    cleared = {k: None for k in os.environ if k.startswith(("RIOTJOBS_", "RIOT_API"))}
    return CliRunner().invoke(app, args, env={**cleared, **env}, catch_exceptions=False)


def check_in_process(
    args: list[str], env: dict[str, str], allowed: set[int], lines: int | None = 1
) -> None:
    result = invoke(args, env)
    assert_clean(result.exit_code, result.stdout, result.stderr, allowed, lines)


# --- the environment -----------------------------------------------------------------------------

BAD_URLS = [
    f"postgresql://op:{PASSWORD}@[::1/riot",
    f"postgresql://op:{PASSWORD}@db/riot%zz",
    f"postgresql://op:{PASSWORD}@db:notaport/riot",
    f"postgresql://op:{PASSWORD}@db:5432:6543/riot",
    f"postgresql://op:{PASSWORD}@db/riot?bogus=1",
    f"postgresql://op:{PASSWORD}@db/riot?application_name=a%00b",
    f"mysql://op:{PASSWORD}@db/riot",
    f"postgresql+psycopg2://op:{PASSWORD}@db/riot",
    "",
    f"postgresql://op:{PASSWORD}@db/riot?sslmode=bogus",
    f"postgresql://op:pw@{PASSWORD}@127.0.0.1/riot",
    f"postgresql://op:{PASSWORD}%zz@db/riot",
    f"postgresql://op:{PASSWORD}%00@db/riot",
]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("command", [["db", "url"], ["check"], ["run", "smoke"]])
def test_database_url_typos_are_config_errors(tmp_path: Path, url: str, command: list[str]) -> None:
    env = env_for(tmp_path, RIOTJOBS_DATABASE_URL=url)
    lines = MULTI if command == ["check"] else 1
    check_in_process(command, env, {78}, lines)


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("RIOTJOBS_PLATFORM", "mars1"),
        ("RIOTJOBS_JOB_TIMEOUT", "2147483648"),
        ("RIOTJOBS_JOB_TIMEOUT", "-1"),
        ("RIOTJOBS_RIOT_APP_LIMITS", "20:1,"),
        ("RIOTJOBS_RIOT_BASE_URL", "ftp://x/{routing}"),
        ("XDG_CONFIG_HOME", "/proc/self/nonexistent\x7f"),
    ],
)
def test_bad_settings_exit_78(tmp_path: Path, var: str, value: str) -> None:
    env = env_for(tmp_path, **{var: value})
    result = invoke(["db", "url"], env)
    assert_clean(result.exit_code, result.stdout, result.stderr, {0, 78})
    if var != "XDG_CONFIG_HOME":
        assert result.exit_code == 78


_env_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80
)


@FAST
@given(suffix=_env_text)
def test_any_database_url_is_checked_without_echoing_the_password(
    tmp_path: Path, suffix: str
) -> None:
    env = env_for(tmp_path, RIOTJOBS_DATABASE_URL=f"postgresql://op:{PASSWORD}@{suffix}")
    result = invoke(["db", "url"], env)
    assert_clean(result.exit_code, result.stdout, result.stderr, {0, 78})


SETTINGS_VARS = [
    "RIOTJOBS_PLATFORM", "RIOTJOBS_JOB_TIMEOUT", "RIOTJOBS_RIOT_APP_LIMITS",
    "RIOTJOBS_RIOT_BASE_URL", "RIOTJOBS_DATABASE_URL", "RIOTJOBS_CONFIG",
]  # fmt: skip


@FAST
@given(var=st.sampled_from(SETTINGS_VARS), value=_env_text)
def test_any_setting_value_gives_one_line(tmp_path: Path, var: str, value: str) -> None:
    env = env_for(tmp_path, **{var: value})
    result = invoke(["check", "--skip-database"], env)
    assert_clean(result.exit_code, result.stdout, result.stderr, {0, 78}, MULTI)


# --- the env file --------------------------------------------------------------------------------


def _unreadable(path: Path) -> None:
    path.write_text("RIOT_API_KEY=x\n")
    path.chmod(0)


ENV_FILES: list[tuple[str, Any]] = [
    ("invalid UTF-8", lambda p: p.write_bytes(b"RIOT_API_KEY=\xff\xfe\n")),
    ("garbage line", lambda p: p.write_text("this is not an assignment\n")),
    ("unterminated quote", lambda p: p.write_text('RIOT_API_KEY="abc\n')),
    ("a directory", lambda p: p.mkdir()),
    ("a FIFO", lambda p: os.mkfifo(p)),
]


@pytest.mark.parametrize(("what", "make"), ENV_FILES, ids=[w for w, _ in ENV_FILES])
def test_bad_env_file_is_one_line_naming_it(tmp_path: Path, what: str, make: Any) -> None:
    path = tmp_path / "riotjobs.env"
    make(path)
    env = env_for(tmp_path, RIOTJOBS_ENV_FILE=str(path))
    result = invoke(["status"], env)
    assert_clean(result.exit_code, result.stdout, result.stderr, {78})
    assert str(path) in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_env_file(tmp_path: Path) -> None:
    path = tmp_path / "riotjobs.env"
    _unreadable(path)
    result = invoke(["status"], env_for(tmp_path, RIOTJOBS_ENV_FILE=str(path)))
    assert_clean(result.exit_code, result.stdout, result.stderr, {78})


def test_env_file_follows_xdg_config_home(tmp_path: Path) -> None:
    folder = tmp_path / "xdg-config" / "riotjobs"
    folder.mkdir(parents=True)
    (folder / "env").write_text("RIOTJOBS_PLATFORM=mars1\n")
    env = env_for(tmp_path)
    result = invoke(["db", "url"], env)
    assert result.exit_code == 78 and "RIOTJOBS_PLATFORM" in result.stderr, result.stderr


@FAST
@given(content=st.binary(max_size=300))
def test_any_env_file_content(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fuzz.env"
    path.write_bytes(content)
    result = invoke(["check", "--skip-database"], env_for(tmp_path, RIOTJOBS_ENV_FILE=str(path)))
    assert_clean(result.exit_code, result.stdout, result.stderr, {0, 78}, MULTI)


# --- jobs.yaml -----------------------------------------------------------------------------------

BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdef", "bcdefg", strict=True)
)
VALID_JOB = '  ok_job:\n    schedule: "*/5 * * * *"\n    tasks: [sleep]\n'
BAD_YAML: list[tuple[str, str | bytes, int | None]] = [
    ("alias bomb", BOMB + "jobs: {}\n", 1),
    ("recursive alias", "a: &a [*a]\njobs: {}\n", 1),
    ("deep nesting", "jobs: " + "[" * 2000 + "]" * 2000 + "\n", 1),
    ("python tag", 'jobs: !!python/object/apply:os.system ["true"]\n', 1),
    ("invalid UTF-8", b'jobs:\n  x:\n    schedule: "\xff"\n', 1),
    ("empty", "", 1),
    ("a list", "- 1\n- 2\n", 1),
    ("unknown top-level key", f"jobs:\n{VALID_JOB}what: 1\n", 1),
]
# Problems of one job: `check` and a run of that job refuse; the others still load, so `jobs`
# gets as far as the (closed) database.
BAD_JOB: list[tuple[str, str, str, int | None]] = [
    ("timeout overflow", "ok_job", f"jobs:\n{VALID_JOB}    timeout: 2147483648\n", 1),
    ("never fires", "x", 'jobs:\n  x:\n    schedule: "0 0 31 2 *"\n    tasks: [sleep]\n', 1),
    (
        "many problems",
        "Bad",
        f'jobs:\n{VALID_JOB}  Bad:\n    schedule: "x"\n    tasks: [nope]\n    what: 1\n',
        MULTI,
    ),
]


@pytest.mark.parametrize(("what", "text", "lines"), BAD_YAML, ids=[w for w, _, _ in BAD_YAML])
@pytest.mark.parametrize("command", [["check", "--skip-database"], ["run", "ok_job"], ["jobs"]])
def test_bad_jobs_yaml(
    tmp_path: Path, what: str, text: str | bytes, lines: int | None, command: list[str]
) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    env = env_for(tmp_path, RIOTJOBS_CONFIG=str(path))
    check_in_process(command, env, {78}, lines)


@pytest.mark.parametrize(("what", "job", "text", "lines"), BAD_JOB, ids=[c[0] for c in BAD_JOB])
def test_bad_job(tmp_path: Path, what: str, job: str, text: str, lines: int | None) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(text)
    env = env_for(tmp_path, RIOTJOBS_CONFIG=str(path))
    check_in_process(["check", "--skip-database"], env, {78}, lines)
    check_in_process(["run", job], env, {78}, 1)
    check_in_process(["jobs"], env, {69}, 1)


def test_every_jobs_yaml_problem_at_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "jobs:\n"
        '  Bad-Id:\n    schedule: "*/5 * * * *"\n    tasks: [sleep]\n'
        '  never:\n    schedule: "0 0 31 2 *"\n    timeout: 2147483648\n    tasks: [nope]\n'
    )
    result = invoke(["check", "--skip-database"], env_for(tmp_path, RIOTJOBS_CONFIG=str(path)))
    assert result.exit_code == 78
    found = [line.split(": ", 2)[1] for line in result.stderr.splitlines()]
    assert [f.rsplit(":", 1)[1] for f in found] == ["2", "6", "7", "8"], result.stderr


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
_yaml_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
_job = st.fixed_dictionaries(
    {},
    optional={
        "schedule": st.one_of(st.text(max_size=20), st.sampled_from(["* * * * *", "0 0 31 2 *"])),
        "tasks": st.one_of(_yaml_values, st.just(["sleep"])),
        "timeout": st.one_of(st.integers(), _yaml_values),
        "config": _yaml_values,
        "enabled": _yaml_values,
        "alert_format": _yaml_values,
    },
)


@FAST
@given(
    document=st.one_of(
        st.dictionaries(st.text(max_size=12), _job, max_size=3).map(lambda jobs: {"jobs": jobs}),
        st.dictionaries(st.text(max_size=8), _yaml_values, max_size=3),
    )
)
def test_any_jobs_document(tmp_path: Path, document: dict[str, Any]) -> None:
    import yaml

    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(document))
    result = invoke(["check", "--skip-database"], env_for(tmp_path, RIOTJOBS_CONFIG=str(path)))
    assert_clean(result.exit_code, result.stdout, result.stderr, {0, 78}, MULTI)


@FAST
@given(text=st.text(max_size=200))
def test_any_jobs_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = invoke(["check", "--skip-database"], env_for(tmp_path, RIOTJOBS_CONFIG=str(path)))
    assert_clean(result.exit_code, result.stdout, result.stderr, {0, 78}, MULTI)


# --- arguments -----------------------------------------------------------------------------------

BAD_ARGS = [
    ["history", "smoke", "--since", "99999999999d"],
    ["stats", "--since", "999999999w"],
    ["history", "smoke", "--limit", "99999999999999999999"],
    ["run", "smoke", "--trigger", "cronn"],
    ["show", "abc"],
    ["show", "99999999999999999999999"],
    ["run", "smok"],
    ["nosuchcommand"],
    ["status", "--bogus"],
    ["db", "upgrade", "nosuchrev"],
    ["players", "list", "--limit", "0"],
    ["report", "smurfs", "--since", "1y"],
    ["jobs", "set", "player_analyzer", "min_matches=" + "9" * 10_000],
    ["jobs", "set", "player_analyzer", "noequals"],
]


@pytest.mark.parametrize("args", BAD_ARGS, ids=lambda a: " ".join(a)[:40])
def test_bad_arguments(tmp_path: Path, args: list[str]) -> None:
    # Parsing comes before the database: a closed port must not be what answers (69).
    check_in_process(args, env_for(tmp_path), {2, 78})


VALUED_COMMANDS = [
    ["history", "smoke", "--since"], ["stats", "--since"], ["history", "smoke", "--limit"],
    ["show"], ["run", "smoke", "--trigger"], ["report", "smurfs", "--since"],
    ["jobs", "show"], ["players", "list", "--limit"], ["db", "upgrade"],
    ["jobs", "set", "player_analyzer"],
]  # fmt: skip


@FAST
@given(command=st.sampled_from(VALUED_COMMANDS), value=_env_text)
def test_any_argument_value(tmp_path: Path, command: list[str], value: str) -> None:
    # A well-formed value reaches the (closed) database: 69 is then the right answer.
    check_in_process([*command, value], env_for(tmp_path), {2, 69, 78})


# --- stored overrides ----------------------------------------------------------------------------

STORED = [
    {"min_matches": "9" * 5000},
    {"min_matches": -1},
    {"no_such_key": 1},
    {"score_weights": {"kda": "x"}},
    {"players_per_run": {"nested": [1, 2, 3]}},
]


@pytest.mark.parametrize("overrides", STORED, ids=lambda o: str(o)[:30])
def test_bad_stored_overrides(tmp_path: Path, db_url: str, engine: Any, overrides: Any) -> None:
    """An override stored by an older riotjobs (or by hand) that no longer validates: the job
    is refused in one line, and the read commands still work."""
    import json

    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO job_configurations (job_id, overrides) VALUES ('player_analyzer', "
                 "CAST(:o AS jsonb))"),
            {"o": json.dumps(overrides)},
        )  # fmt: skip
    password_url = db_url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    env = env_for(tmp_path, RIOTJOBS_DATABASE_URL=password_url)
    check_in_process(["jobs", "show", "player_analyzer"], env, {0, 2, 78})
    check_in_process(["run", "player_analyzer"], env, {2, 78})
    check_in_process(["status"], env, {0})


@settings(FAST, max_examples=10)  # each example is two commands on a real database
@given(value=_env_text)
def test_any_override_value(tmp_path: Path, db_url: str, value: str) -> None:
    password_url = db_url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    env = env_for(tmp_path, RIOTJOBS_DATABASE_URL=password_url)
    check_in_process(["jobs", "set", "player_analyzer", f"min_matches={value}"], env, {0, 2})
    check_in_process(["jobs", "show", "player_analyzer"], env, {0})


# --- real processes: hangs are caught by the subprocess timeout ----------------------------------

PROCESS_CASES: list[tuple[str, dict[str, str], list[str], int]] = [
    (
        "url without ]",
        {"RIOTJOBS_DATABASE_URL": f"postgresql://op:{PASSWORD}@[::1/r"},
        ["status"],
        78,
    ),
    (
        "url bad port",
        {"RIOTJOBS_DATABASE_URL": f"postgresql://op:{PASSWORD}@h:x/r"},
        ["db", "url"],
        78,
    ),
    ("fifo env file", {"RIOTJOBS_ENV_FILE": "{tmp}/fifo.env"}, ["run", "smoke"], 78),
    ("alias bomb", {"RIOTJOBS_CONFIG": "{tmp}/bomb.yaml"}, ["check", "--skip-database"], 78),
    ("show abc", {}, ["show", "abc"], 2),
    ("huge since", {}, ["stats", "--since", "999999999w"], 2),
]


@pytest.mark.parametrize(
    ("what", "extra", "args", "code"), PROCESS_CASES, ids=[c[0] for c in PROCESS_CASES]
)
def test_real_process(
    tmp_path: Path, what: str, extra: dict[str, str], args: list[str], code: int
) -> None:
    os.mkfifo(tmp_path / "fifo.env")
    (tmp_path / "bomb.yaml").write_text(BOMB + "jobs: {}\n")
    env = env_for(tmp_path, **{k: v.format(tmp=tmp_path) for k, v in extra.items()})
    result = run_riotjobs(*args, env=env, timeout=60)
    assert_clean(result.returncode, result.stdout, result.stderr, {code})
