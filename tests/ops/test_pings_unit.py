"""Ping settings, URLs and bodies without processes: which URL a job pings, how the ping URL is
built, what a skipped or disabled run sends, and that a hook never waits past the timeout."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from riotjobs.errors import ConfigError
from riotjobs.ops.pings import BODY_LIMIT, Pinger, log_tail, ping_url
from riotjobs.runner import RunResult
from riotjobs.runner.hooks import EndedRun, StartedRun
from riotjobs.schedule import cronenv
from riotjobs.settings import load_settings, ping_setting


@pytest.fixture
def env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "env"
    path.write_text("")
    monkeypatch.setenv("RIOTJOBS_ENV_FILE", str(path))
    for name in ("RIOTJOBS_PING_URL", "RIOTJOBS_PING_URL_NAP", "RIOTJOBS_PING_URL_OTHER_JOB"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_setting_names_follow_the_job_id() -> None:
    assert ping_setting("tracked_player_updater") == "RIOTJOBS_PING_URL_TRACKED_PLAYER_UPDATER"
    assert ping_setting("nap2") == "RIOTJOBS_PING_URL_NAP2"


def test_default_appends_the_slug_and_a_job_setting_wins(
    env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file.write_text(
        "RIOTJOBS_PING_URL=https://hc-ping.com/key-123/\n"
        "RIOTJOBS_PING_URL_NAP=https://hc.example/ping/uuid-1\n"
    )
    monkeypatch.setenv("RIOTJOBS_PING_URL_OTHER_JOB", "off")  # the environment counts too
    settings = load_settings()
    assert settings.ping_url_for("tracked") == "https://hc-ping.com/key-123/tracked"
    assert settings.ping_url_for("nap") == "https://hc.example/ping/uuid-1"
    assert settings.ping_url_for("other_job") is None
    assert "key-123" not in repr(settings) and "uuid-1" not in repr(settings)


def test_no_setting_no_pings(env_file: Path) -> None:
    assert load_settings().ping_url_for("nap") is None


def test_a_bad_url_is_a_config_error_without_the_value(
    env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIOTJOBS_PING_URL_NAP", "hc-ping.com/secret-77")
    with pytest.raises(ConfigError, match="RIOTJOBS_PING_URL_NAP") as caught:
        load_settings()
    assert "secret-77" not in str(caught.value)


def test_ping_url_keeps_a_query_and_adds_the_rid() -> None:
    assert ping_url("https://h/k/nap", "start", "r1") == "https://h/k/nap/start?rid=r1"
    assert ping_url("https://h/k/", "0", "r1") == "https://h/k/0?rid=r1"
    assert ping_url("https://h/k?create=1", "log", "r") == "https://h/k/log?create=1&rid=r"


def test_log_tail_is_at_most_10000_bytes_on_a_character_boundary() -> None:
    assert log_tail("short") == b"short"
    text = "é" * 6000  # 12,000 bytes
    tail = log_tail(text)
    assert len(tail) <= BODY_LIMIT and tail.decode() == "é" * (len(tail) // 2)


def test_per_job_urls_are_secrets_for_install_cron(tmp_path: Path) -> None:
    shell = tmp_path / "shell.env"
    shell.write_text("RIOTJOBS_PING_URL_NAP=https://hc-ping.com/mine-1\n")
    cron = tmp_path / "cron.env"
    cron.write_text("RIOTJOBS_PING_URL_NAP=https://hc-ping.com/theirs-2\n")
    found = cronenv.differences(
        environ={}, shell_env_file=shell, cron_env_file=cron, cron_home=str(tmp_path),
        cron_data_home=None,
    )  # fmt: skip
    [line] = [f for f in found if f.startswith("RIOTJOBS_PING_URL_NAP")]
    assert "sha256:" in line and "mine-1" not in line and "theirs-2" not in line
    gaps = cronenv.gaps(environ={"RIOTJOBS_PING_URL_X": "https://h/x"}, env_file=cron)
    assert [g.describe() for g in gaps] == ["RIOTJOBS_PING_URL_X (not in the env file)"]


class _Recorder(httpx.BaseTransport):
    def __init__(self, delay: float = 0.0) -> None:
        self.urls: list[str] = []
        self.delay = delay

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        time.sleep(self.delay)
        self.urls.append(str(request.url))
        return httpx.Response(200, text="OK")


def _ended(status: str, code: int, error: str | None = None) -> EndedRun:
    return EndedRun(job=Any, result=RunResult("nap", 7, status, code, error), log_tail="log\n")


def test_skipped_sends_log_and_disabled_sends_nothing() -> None:
    skipped = _Recorder()
    Pinger("https://h/k", transport=skipped).ended(_ended("skipped", 75, "holder pid 4"))
    assert [u.split("?")[0] for u in skipped.urls] == ["https://h/k/log"]
    disabled = _Recorder()
    Pinger("https://h/k", transport=disabled).ended(_ended("disabled", 0))
    assert disabled.urls == []


def test_the_end_hook_returns_within_the_timeout_when_the_server_is_slow() -> None:
    slow = _Recorder(delay=5.0)
    pinger = Pinger("https://h/k", timeout=0.5, transport=slow)
    pinger.started(StartedRun(job=Any, execution_id=7))
    began = time.monotonic()
    pinger.ended(_ended("success", 0))
    assert time.monotonic() - began < 3.0  # bounded by the timeout, not the server's 5 s


def test_check_names_a_ping_setting_for_no_job(
    env_file: Path, monkeypatch: pytest.MonkeyPatch, jobs_file: Any
) -> None:
    from riotjobs.ops.check import run_checks
    from riotjobs.tasks.registry import REGISTRY

    path = jobs_file('jobs:\n  nap:\n    schedule: "* * * * *"\n    tasks: [sleep]\n')
    monkeypatch.setenv("RIOTJOBS_CONFIG", str(path))
    monkeypatch.setenv("RIOT_API_KEY", "k")
    env_file.write_text(
        "RIOTJOBS_PING_URL_NAP=https://h/a-1\nRIOTJOBS_PING_URL_NPA=https://h/b-2\n"
    )
    report = run_checks(registry=REGISTRY, database=False)
    assert report.problems == [
        f"RIOTJOBS_PING_URL_NPA names no job of {path} (value not shown: a secret)"
    ]
