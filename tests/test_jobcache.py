"""The cache of validated jobs files: a hit gives what validation gives, and anything that could
change the result (the file, the default timeout, the code) misses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from riotjobs import config, jobcache
from riotjobs.config import JobsConfig, load_jobs_for
from riotjobs.errors import ConfigError
from riotjobs.settings import Settings
from riotjobs.tasks.registry import REGISTRY

JOBS = """\
defaults:
  timeout: 120
  alert_after_failures: 2
jobs:
  tracked:
    name: Tracked players
    schedule: "*/2 * * * *"
    tasks: [update_tracked_players, analyze_players]
    priority: {analyze_players: low}
    catch_up: {within: 6h}
    config: {max_tracked_players: 7}
  nap:
    schedule: "0 3 * * *"
    enabled: false
    timeout: 30
    tasks: [sleep]
  bad:
    schedule: "0 3 31 2 *"
    tasks: [sleep]
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _load(path: Path, **settings: Any) -> JobsConfig:
    return load_jobs_for(Settings(config_path=path, **settings), registry=REGISTRY)


def _view(jobs: JobsConfig) -> Any:
    return (
        jobs.defaults,
        {i: (j.spec, j.timeout, j.name, j.alert_after_failures) for i, j in jobs.jobs.items()},
        jobs.broken,
    )


def _no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("validated although the cache had the file")

    monkeypatch.setattr(config, "_validated", refuse)


def test_a_hit_gives_what_validation_gave(jobs_file: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    path = jobs_file(JOBS)
    first = _load(path)
    assert set(first.jobs) == {"tracked", "nap"} and set(first.broken) == {"bad"}
    _no_validation(monkeypatch)
    second = _load(path)
    assert _view(second) == _view(first)
    assert second.jobs["tracked"].priority_of("analyze_players") == "low"
    assert second.jobs["tracked"].spec.catch_up == first.jobs["tracked"].spec.catch_up
    with pytest.raises(ConfigError, match="never fires"):
        second.get("bad")


def test_what_changes_the_result_misses(jobs_file: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    path = jobs_file(JOBS)
    _load(path)
    path.write_text(JOBS.replace("timeout: 30", "timeout: 45"))
    assert _load(path).jobs["nap"].timeout == 45
    path.write_text(JOBS.replace("  timeout: 120\n", ""))
    assert _load(path, job_timeout=77).jobs["tracked"].timeout == 77
    assert _load(path, job_timeout=78).jobs["tracked"].timeout == 78


def test_a_corrupt_or_foreign_entry_is_ignored(jobs_file: Any) -> None:
    path = jobs_file(JOBS)
    _load(path)
    (entry,) = jobcache.folder().iterdir()
    for junk in ("{not json", '{"key": 1}', "[]", entry.read_text().replace('"spec"', '"x"')):
        entry.write_text(junk)
        assert set(_load(path).jobs) == {"tracked", "nap"}


def test_an_unwritable_cache_is_no_cache(
    jobs_file: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert set(_load(jobs_file(JOBS)).jobs) == {"tracked", "nap"}


def test_a_file_with_problems_of_its_own_raises_every_time(jobs_file: Any) -> None:
    path = jobs_file("jobs: [oops\n")
    for _ in range(2):
        with pytest.raises(ConfigError, match="invalid YAML"):
            _load(path)
    assert not jobcache.folder().exists() or not any(jobcache.folder().iterdir())


def test_a_registry_that_cannot_fingerprint_its_code_is_not_cached(jobs_file: Any) -> None:
    class Plain:
        names = REGISTRY.names
        config_model = REGISTRY.config_model

    load_jobs_for(Settings(config_path=jobs_file(JOBS)), registry=Plain())
    assert not jobcache.folder().exists()


def test_a_read_command_on_a_cached_file_never_imports_pydantic_or_yaml(
    cli_env: dict[str, str], jobs_file: Any, tmp_path: Path
) -> None:
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS)), "XDG_CACHE_HOME": str(tmp_path)}
    probe = (
        "import sys\nfrom riotjobs.cli import main\nsys.argv = ['riotjobs', 'jobs']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pydantic', 'yaml') if m in sys.modules), file=sys.stderr)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert all("tracked" in run.stdout for run in runs), runs[0].stderr
    assert runs[0].stderr.strip().endswith("['pydantic', 'yaml']")  # the first run validates
    assert runs[1].stderr.strip().endswith("[]"), runs[1].stderr
    assert os.listdir(tmp_path / "riotjobs" / "jobs")
