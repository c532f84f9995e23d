"""One bad job never breaks the others (issue 21): a job whose jobs.yaml entry does not validate
(a schedule that never fires, a timeout out of range, an unknown task) is shown as misconfigured
by the read commands, refused by the commands that would act on it, and listed by `check`,
while the other jobs keep running and being monitored. Real processes on a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riotjobs.config import load_jobs
from riotjobs.errors import ConfigError
from riotjobs.tasks.registry import REGISTRY
from tests.helpers import run_riotjobs

JOBS = """\
jobs:
  good:
    schedule: "*/5 * * * *"
    tasks: [sleep]
    config: {seconds: 0}
  bad:
    schedule: "0 0 31 2 *"
    tasks: [sleep]
  huge:
    schedule: "0 * * * *"
    timeout: 2147483648
    tasks: [sleep, nosuch]
"""


@pytest.fixture
def env(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "jobs.yaml"
    path.write_text(JOBS)
    return {**cli_env, "RIOTJOBS_CONFIG": str(path), "RIOT_API_KEY": "RGAPI-x", "COLUMNS": "150"}


def one_line(stderr: str) -> str:
    lines = stderr.strip("\n").splitlines()
    assert len(lines) == 1 and lines[0].startswith("riotjobs: "), stderr
    return lines[0]


def test_the_other_jobs_run_and_are_monitored(env: dict[str, str], tmp_path: Path) -> None:
    assert run_riotjobs("run", "good", env=env).returncode == 0

    status = run_riotjobs("status", env=env)
    assert status.returncode == 0, status.stderr
    assert "misconfigured: bad, huge" in status.stdout
    rows = {line.split()[0]: line for line in status.stdout.splitlines() if line[:1].isalpha()}
    assert "MISCONFIGURED" in rows["bad"] and "MISCONFIGURED" in rows["huge"]
    assert "success" in rows["good"] and "MISCONFIGURED" not in rows["good"]

    doc = json.loads(run_riotjobs("status", "--json", env=env).stdout)
    states = {j["job"]: j["state"] for j in doc["jobs"]}
    assert states == {"bad": "misconfigured", "good": "ok", "huge": "misconfigured"}
    assert doc["summary"]["misconfigured"] == ["bad", "huge"]
    (bad,) = [j for j in doc["jobs"] if j["job"] == "bad"]
    assert bad["schedule"] == "0 0 31 2 *" and "never fires" in bad["config_problems"][0]

    checked = run_riotjobs("status", "--check", env=env)
    assert checked.returncode == 1
    lines = checked.stderr.splitlines()
    assert [line.split(":")[1].strip() for line in lines] == ["bad", "huge"], checked.stderr
    assert "jobs.bad.schedule" in lines[0] and "jobs.huge.timeout" in lines[1]
    assert "jobs.huge.tasks.1" in lines[1]

    listed = run_riotjobs("jobs", env=env)
    assert listed.returncode == 0 and listed.stdout.count("MISCONFIGURED") == 2, listed.stderr

    history = run_riotjobs("history", "good", env=env)
    assert history.returncode == 0 and "success" in history.stdout
    history = run_riotjobs("history", "bad", env=env)
    assert history.returncode == 0 and "misconfigured" in history.stdout

    assert run_riotjobs("stats", env=env).returncode == 0
    metrics = run_riotjobs("metrics", env=env)
    assert 'riotjobs_job_misconfigured{job="bad"} 1' in metrics.stdout
    assert 'riotjobs_job_misconfigured{job="good"} 0' in metrics.stdout

    export = run_riotjobs("export", "k8s", env=env)
    assert export.returncode == 0, export.stderr
    assert "name: riotjobs-good" in export.stdout and "riotjobs-bad" not in export.stdout
    assert '# left out, misconfigured (riotjobs check): job "bad"' in export.stdout
    assert "bad, huge" in one_line(export.stderr)

    tab = tmp_path / "crontab"
    tab.write_text("")
    cron = run_riotjobs("cron", "status", "--file", str(tab), "--json", env=env)
    jobs = {j["job"]: j["state"] for j in json.loads(cron.stdout)["jobs"]}
    assert jobs == {"bad": "misconfigured", "good": "missing", "huge": "misconfigured"}


def test_commands_that_act_on_a_bad_job_refuse_it(env: dict[str, str], tmp_path: Path) -> None:
    for args in (
        ["run", "bad"],
        ["run", "huge", "--trigger", "cron"],
        ["jobs", "show", "bad"],
        ["jobs", "disable", "bad"],
        ["jobs", "set", "bad", "seconds=1"],
        ["install-cron", "--file", str(tmp_path / "tab"), "--dry-run"],
    ):
        result = run_riotjobs(*args, env=env)
        assert result.returncode == 78, (args, result.stderr)
        line = one_line(result.stderr)
        assert "misconfigured" in line and "jobs.yaml:" in line, line
    assert "never fires" in one_line(run_riotjobs("run", "bad", env=env).stderr)


def test_check_still_lists_every_problem_at_its_own_line(env: dict[str, str]) -> None:
    result = run_riotjobs("check", env=env)
    assert result.returncode == 78
    lines = result.stderr.splitlines()
    assert all(line.startswith("riotjobs: ") for line in lines)
    assert [line.split(":")[2] for line in lines] == ["7", "11", "12"], result.stderr


def test_loader_keeps_a_bad_job_aside_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(JOBS)
    with pytest.raises(ConfigError):
        load_jobs(path, registry=REGISTRY)
    jobs = load_jobs(path, registry=REGISTRY, keep_broken=True)
    assert sorted(jobs.jobs) == ["good"] and sorted(jobs.broken) == ["bad", "huge"]
    assert jobs.knows("bad") and not jobs.knows("nope")
    with pytest.raises(ConfigError, match="job bad is misconfigured"):
        jobs.get("bad")
    # Problems of the file as a whole still stop everything.
    path.write_text(JOBS + "extra_top_level: 1\n")
    with pytest.raises(ConfigError, match="extra_top_level"):
        load_jobs(path, registry=REGISTRY, keep_broken=True)
