"""Settings and the env file: names read exactly, values checked, secrets never shown, and what
`install-cron --write-env-file` writes read back unchanged by every run."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riotjobs import envfile
from riotjobs.errors import ConfigError
from riotjobs.secret import Secret
from riotjobs.settings import SETTING_NAMES, Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (*SETTING_NAMES, "DATABASE_URL", "PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RIOTJOBS_ENV_FILE", str(tmp_path / "none"))


def test_defaults() -> None:
    settings = load_settings()
    assert settings.platform == "na1" and settings.job_timeout == 90
    assert settings.database_url is None and settings.riot_api_key is None
    assert settings.riot_base_url == "https://{routing}.api.riotgames.com"
    assert settings.riot_app_limits == "20:1,100:120"


def test_only_the_documented_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another program's DATABASE_URL must not become riotjobs' database.
    monkeypatch.setenv("DATABASE_URL", "postgresql://other@elsewhere/theirs")
    monkeypatch.setenv("riotjobs_platform", "euw1")
    settings = load_settings()
    assert settings.database_url is None and settings.platform == "na1"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("RIOTJOBS_PLATFORM", "EUW1", ("platform", "euw1")),
        ("RIOTJOBS_JOB_TIMEOUT", " 120 ", ("job_timeout", 120)),
        ("RIOTJOBS_JOB_TIMEOUT", "86400", ("job_timeout", 86400)),
        ("RIOTJOBS_RIOT_BASE_URL", "http://{routing}.x/", ("riot_base_url", "http://{routing}.x")),
        ("RIOTJOBS_RIOT_APP_LIMITS", "10:1, 50:10", ("riot_app_limits", "10:1,50:10")),
        ("RIOTJOBS_CONFIG", "/etc/jobs.yaml", ("config_path", Path("/etc/jobs.yaml"))),
    ],
)
def test_values_are_parsed(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: tuple[str, object]
) -> None:
    monkeypatch.setenv(name, value)
    assert getattr(load_settings(), expected[0]) == expected[1]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RIOTJOBS_JOB_TIMEOUT", "0", "from 1 to 86400"),
        ("RIOTJOBS_JOB_TIMEOUT", "86401", "from 1 to 86400"),
        ("RIOTJOBS_JOB_TIMEOUT", "1.5", "whole number"),
        ("RIOTJOBS_JOB_TIMEOUT", "nan", "whole number"),
        ("RIOTJOBS_JOB_TIMEOUT", "", "whole number"),
        ("RIOTJOBS_PLATFORM", "mars1", "unknown platform"),
        ("RIOTJOBS_RIOT_BASE_URL", "ftp://x", "{routing}"),
        ("RIOTJOBS_RIOT_APP_LIMITS", "20/1", "20:1,100:120"),
        ("RIOTJOBS_CONFIG", "", "is empty"),
        ("RIOTJOBS_DATABASE_URL", "", "is empty"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(f"invalid settings: {name}: ")
    assert message in str(info.value)


def test_every_problem_is_reported_once_with_its_origin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / "env"
    env_file.write_text("RIOTJOBS_PLATFORM=mars1\nRIOTJOBS_JOB_TIMEOUT=-5\n")
    monkeypatch.setenv("RIOTJOBS_ENV_FILE", str(env_file))
    monkeypatch.setenv("RIOTJOBS_JOB_TIMEOUT", "0")  # the environment's value is the one checked
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert [var for var, _ in info.value.problems] == ["RIOTJOBS_PLATFORM", "RIOTJOBS_JOB_TIMEOUT"]
    assert f"RIOTJOBS_PLATFORM (from {env_file})" in str(info.value)
    assert "RIOTJOBS_JOB_TIMEOUT: " in str(info.value)  # not from the file


def test_a_bad_database_url_never_shows_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIOTJOBS_DATABASE_URL", "mysql://u:hunter2@h/db")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "hunter2" not in str(info.value)


def test_secrets_never_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIOT_API_KEY", "RGAPI-s3cret")
    monkeypatch.setenv("RIOTJOBS_DATABASE_URL", "postgresql://u:hunter2@h/db")
    monkeypatch.setenv("RIOTJOBS_PING_URL_NIGHTLY", "https://hc.example/s3cret-slug")
    settings = load_settings()
    shown = repr(settings) + str(settings) + f"{settings.riot_api_key}"
    assert "s3cret" not in shown and "hunter2" not in shown
    assert settings.riot_api_key == Secret("RGAPI-s3cret")
    assert settings.ping_url_for("nightly") == "https://hc.example/s3cret-slug"


def test_keywords_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIOTJOBS_PLATFORM", "kr")
    assert Settings(RIOTJOBS_PLATFORM="euw1").platform == "euw1"
    assert Settings(platform="jp1", job_timeout=30).job_timeout == 30
    with pytest.raises(SettingsError):
        Settings(job_timeout=0)  # a typed value is checked all the same
    with pytest.raises(TypeError):
        Settings(RIOTJOBS_PLATFROM="kr")


@given(st.text(st.characters(min_codepoint=32, blacklist_characters="\x7f"), max_size=40))
def test_what_the_writer_quotes_reads_back_exactly(value: str) -> None:
    line = f"RIOT_API_KEY={envfile.quote(value)}"
    assert envfile.parse(line, Path("env")) == {"RIOT_API_KEY": value}
