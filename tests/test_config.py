"""jobs.yaml validation: every bad case names file, line and key, and exits 78."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from riotjobs.config import load_jobs
from riotjobs.errors import ConfigError, ExitCode, UnknownJobError
from riotjobs.settings import load_settings
from riotjobs.tasks.registry import REGISTRY
from tests.helpers import run_riotjobs

GOOD = """\
defaults: {timeout: 45}
jobs:
  napper:
    name: Napper
    schedule: "*/5 * * * *"
    tasks: [sleep]
    config: {seconds: 2}
  other:
    schedule: "0 3 * * *"
    timeout: 10
    tasks: [sleep]
"""

# (description, yaml, expected line, expected key fragment)
BAD_CASES = [
    (
        "unknown top-level key",
        "jobs: {}\nextras: 1\n",
        2,
        "extras",
    ),
    (
        "unknown job key",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n    retries: 3\n',
        5,
        "jobs.a.retries",
    ),
    (
        "invalid cron expression",
        'jobs:\n  a:\n    schedule: "61 * * * *"\n    tasks: [sleep]\n',
        3,
        "jobs.a.schedule",
    ),
    (
        "timeout of zero",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    timeout: 0\n    tasks: [sleep]\n',
        4,
        "jobs.a.timeout",
    ),
    (
        "negative default timeout",
        'defaults:\n  timeout: -5\njobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n',
        2,
        "defaults.timeout",
    ),
    (
        "unknown task",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks:\n      - sleep\n      - fly\n',
        6,
        "jobs.a.tasks",
    ),
    (
        "config key no task declares",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n    config:\n      speed: 3\n',
        6,
        "jobs.a.config.speed",
    ),
    (
        "config value of the wrong type",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n    config:\n'
        "      seconds: soon\n",
        6,
        "jobs.a.config.seconds",
    ),
    (
        "job id with capitals",
        'jobs:\n  BadJob:\n    schedule: "* * * * *"\n    tasks: [sleep]\n',
        2,
        "BadJob",
    ),
    (
        "job id with shell characters",
        'jobs:\n  "a;rm -rf /":\n    schedule: "* * * * *"\n    tasks: [sleep]\n',
        2,
        "a;rm -rf /",
    ),
    (
        "schedule smuggling a command",
        'jobs:\n  a:\n    schedule: "* * * * * /bin/sh -c evil"\n    tasks: [sleep]\n',
        3,
        "jobs.a.schedule",
    ),
    (
        "schedule smuggling a crontab line",
        'jobs:\n  a:\n    schedule: "* * * * *\\n* * * * * evil"\n    tasks: [sleep]\n',
        3,
        "jobs.a.schedule",
    ),
    (
        "name with a newline",
        'jobs:\n  a:\n    name: "x\\n* * * * * evil"\n'
        '    schedule: "* * * * *"\n    tasks: [sleep]\n',
        3,
        "jobs.a.name",
    ),
    (
        "duplicate job",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n'
        '  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n',
        5,
        "jobs.a",
    ),
    (
        "slow factor not above 1",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n    slow_factor: 1\n',
        5,
        "jobs.a.slow_factor",
    ),
    (
        "default slow factor not a number",
        'defaults:\n  slow_factor: fast\njobs:\n  a:\n    schedule: "* * * * *"\n'
        "    tasks: [sleep]\n",
        2,
        "defaults.slow_factor",
    ),
    (
        "catch-up window not a duration",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n'
        "    catch_up:\n      within: soon\n",
        6,
        "jobs.a.catch_up.within: invalid duration 'soon'",
    ),
    (
        "catch-up window a bare number",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n    catch_up: {within: 6}\n',
        5,
        "jobs.a.catch_up.within: must be a duration",
    ),
    (
        "catch-up window over a week",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n    catch_up: {within: 8d}\n',
        5,
        "longer than 7 days",
    ),
    (
        "catch-up window unknown key",
        'jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n'
        "    catch_up: {within: 6h, every: 1h}\n",
        5,
        "jobs.a.catch_up.every: unknown key",
    ),
    ("not yaml", "jobs: [unclosed\n", 2, "invalid YAML"),
    ("empty file", "", 1, "empty"),
]


def test_good_file_loads_typed(jobs_file: Any) -> None:
    jobs = load_jobs(jobs_file(GOOD), registry=REGISTRY, default_timeout=90)
    napper = jobs.get("napper")
    assert napper.name == "Napper"
    assert napper.timeout == 45  # from defaults
    assert jobs.get("other").timeout == 10
    config = napper.effective_config()
    assert config.seconds == 2.0  # type: ignore[attr-defined]
    assert napper.effective_config({"seconds": 7}).seconds == 7.0  # type: ignore[attr-defined]
    assert "seconds" in napper.config_keys()


def test_slow_factor_defaults_to_3_and_a_job_may_set_its_own(jobs_file: Any) -> None:
    text = (
        'jobs:\n  a: {schedule: "* * * * *", tasks: [sleep]}\n'
        '  b: {schedule: "* * * * *", tasks: [sleep], slow_factor: 1.5}\n'
    )
    jobs = load_jobs(jobs_file(text), registry=REGISTRY)
    assert jobs.get("a").slow_factor == 3 and jobs.get("b").slow_factor == 1.5
    jobs = load_jobs(jobs_file("defaults: {slow_factor: 5}\n" + text), registry=REGISTRY)
    assert jobs.get("a").slow_factor == 5 and jobs.get("b").slow_factor == 1.5


def test_catch_up_window_is_a_timedelta(jobs_file: Any) -> None:
    text = (
        'jobs:\n  a: {schedule: "0 3 * * *", tasks: [sleep], catch_up: {within: 6h}}\n'
        '  b: {schedule: "0 3 * * *", tasks: [sleep]}\n'
    )
    jobs = load_jobs(jobs_file(text), registry=REGISTRY)
    catch_up = jobs.get("a").spec.catch_up
    assert catch_up is not None and catch_up.within == timedelta(hours=6)
    assert jobs.get("b").spec.catch_up is None


def test_timeout_falls_back_to_setting(jobs_file: Any) -> None:
    jobs = load_jobs(
        jobs_file('jobs:\n  a:\n    schedule: "* * * * *"\n    tasks: [sleep]\n'),
        registry=REGISTRY,
        default_timeout=33,
    )
    assert jobs.get("a").timeout == 33


def test_unknown_job_is_usage_error(jobs_file: Any) -> None:
    jobs = load_jobs(jobs_file(GOOD), registry=REGISTRY)
    with pytest.raises(UnknownJobError, match="napper"):
        jobs.get("nope")


@pytest.mark.parametrize(("desc", "text", "line", "key"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_config_names_file_line_key(
    jobs_file: Any, desc: str, text: str, line: int, key: str
) -> None:
    path = jobs_file(text)
    with pytest.raises(ConfigError) as info:
        load_jobs(path, registry=REGISTRY)
    message = str(info.value)
    assert f"{path}:{line}:" in message, message
    assert key in message, message
    assert info.value.exit_code == ExitCode.CONFIG


@pytest.mark.parametrize(
    ("desc", "text", "line", "key"), BAD_CASES[:9], ids=[c[0] for c in BAD_CASES[:9]]
)
def test_bad_config_exits_78_from_the_real_process(
    tmp_path: Path, desc: str, text: str, line: int, key: str
) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(text)
    env = {
        "PATH": "/usr/bin:/bin",
        "RIOTJOBS_CONFIG": str(path),
        "RIOTJOBS_ENV_FILE": str(tmp_path / "none"),
    }
    result = run_riotjobs("check", "--skip-database", env=env)
    assert result.returncode == 78, result.stderr
    assert f"{path}:{line}:" in result.stderr
    assert key in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_settings_from_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / "env"
    env_file.write_text(
        "RIOTJOBS_PLATFORM=euw1\nRIOTJOBS_JOB_TIMEOUT=120\nRIOT_API_KEY=from-file\n"
    )
    monkeypatch.setenv("RIOTJOBS_ENV_FILE", str(env_file))
    monkeypatch.setenv("RIOTJOBS_JOB_TIMEOUT", "60")  # the environment wins over the file
    monkeypatch.delenv("RIOTJOBS_PLATFORM", raising=False)
    monkeypatch.delenv("RIOT_API_KEY", raising=False)
    settings = load_settings()
    assert settings.platform == "euw1"
    assert settings.job_timeout == 60
    assert settings.riot_api_key is not None
    assert settings.riot_api_key.get_secret_value() == "from-file"
    assert "from-file" not in repr(settings)


def test_bad_setting_is_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RIOTJOBS_ENV_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("RIOTJOBS_PLATFORM", "mars1")
    with pytest.raises(ConfigError, match="RIOTJOBS_PLATFORM"):
        load_settings()


def test_shipped_jobs_file_is_valid() -> None:
    shipped = Path(__file__).resolve().parent.parent / "riotjobs" / "jobs.yaml"
    jobs = load_jobs(shipped, registry=REGISTRY)
    assert jobs.jobs
    root = Path(__file__).resolve().parent.parent / "jobs.yaml"
    assert root.read_text() == shipped.read_text()
