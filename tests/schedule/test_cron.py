"""install-cron / uninstall-cron / cron status: idempotence, preserved foreign lines, removal of
gone jobs, hostile values, and one round trip through the real `crontab` program."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from riotjobs.errors import ConfigError
from riotjobs.schedule import cron
from riotjobs.schedule import crontext as ct
from tests.helpers import have, missing, run_riotjobs

FOREIGN = """\
# m h  dom mon dow   command
MAILTO=ops@example.com
# nightly backup
30 2 * * MON-FRI /usr/local/bin/backup --all > /dev/null 2>&1
*/15 9-17 * * 1-5 echo '50%' | mail x  # keep my comment
FOO="bar baz"
@reboot /usr/bin/start-thing
 5 4 * * sun   /usr/bin/weird    spacing
"""

JOBS = """
jobs:
  alpha:
    schedule: "*/2 * * * *"
    tasks: [sleep]
  beta:
    schedule: "0 3 * * 1-5"
    tasks: [sleep]
  gamma:
    schedule: "*/5 * * * *"
    enabled: false
    tasks: [sleep]
"""


def wanted(jobs: dict[str, str], **kw: str) -> cron.Wanted:
    base = {
        "riotjobs_bin": "/opt/riotjobs/bin/riotjobs",
        "env_file": "/etc/riotjobs/env",
        "config": "/etc/riotjobs/jobs.yaml",
        "mailto": "ops",
    }
    base.update(kw)
    return cron.Wanted(jobs=jobs, **base)


@pytest.fixture
def tab(tmp_path: Path) -> cron.Target:
    path = tmp_path / "crontab"
    path.write_text(FOREIGN)
    return cron.Target(tabfile=path)


def test_install_twice_is_stable_and_keeps_foreign_lines(tab: cron.Target) -> None:
    want = wanted({"alpha": "*/2 * * * *", "beta": "0 3 * * 1-5"})
    first = cron.install(target=tab, wanted=want)
    assert first.changed
    text = tab.read()
    assert text.startswith(FOREIGN)  # every foreign byte, in place
    for needle in ("SHELL=/bin/sh", "CRON_TZ=UTC", "MAILTO=ops", "PATH=/opt/riotjobs/bin:"):
        assert needle in text
    assert "vixie-cron" in text  # the note about implementations that ignore CRON_TZ
    line = next(x for x in text.splitlines() if x.endswith("# riotjobs:beta"))
    assert line.startswith("0 3 * * 1-5 RIOTJOBS_ENV_FILE=/etc/riotjobs/env ")
    assert "RIOTJOBS_CONFIG=/etc/riotjobs/jobs.yaml /opt/riotjobs/bin/riotjobs run beta" in line
    assert line.split(" # ")[0].endswith("--trigger cron")
    assert "RIOT_API_KEY" not in text
    second = cron.install(target=tab, wanted=want)
    assert not second.changed and tab.read() == text


def test_removed_and_disabled_jobs_leave_the_crontab(tab: cron.Target) -> None:
    cron.install(target=tab, wanted=wanted({"alpha": "*/2 * * * *", "beta": "0 3 * * 1-5"}))
    cron.install(target=tab, wanted=wanted({"alpha": "*/2 * * * *"}))
    text = tab.read()
    assert "riotjobs:alpha" in text and "riotjobs:beta" not in text
    assert text.startswith(FOREIGN)


def test_block_is_replaced_in_place_and_strays_are_removed(tab: cron.Target) -> None:
    cron.install(target=tab, wanted=wanted({"alpha": "*/2 * * * *"}))
    assert tab.tabfile is not None
    stray = "* * * * * /old/riotjobs run beta --trigger cron # riotjobs:beta\n"
    tab.tabfile.write_text(tab.read() + "0 1 * * * /after/me\n" + stray)
    change = cron.install(target=tab, wanted=wanted({"alpha": "*/4 * * * *"}))
    lines = change.new.splitlines()
    assert "riotjobs:beta" not in change.new
    assert lines[-1] == "0 1 * * * /after/me"  # the block stayed before the later foreign line
    assert "*/4 * * * * RIOTJOBS_ENV_FILE" in change.new
    assert "-*/2 * * * * RIOTJOBS_ENV_FILE" in change.diff()


def test_uninstall_restores_the_original(tab: cron.Target) -> None:
    cron.install(target=tab, wanted=wanted({"alpha": "*/2 * * * *"}))
    dry = cron.uninstall(target=tab, dry_run=True)
    assert dry.changed and "riotjobs:alpha" in tab.read()
    cron.uninstall(target=tab)
    assert tab.read() == FOREIGN
    assert not cron.uninstall(target=tab).changed


def test_no_enabled_job_means_no_block(tab: cron.Target) -> None:
    cron.install(target=tab, wanted=wanted({"alpha": "*/2 * * * *"}))
    cron.install(target=tab, wanted=wanted({}))
    assert tab.read() == FOREIGN


def test_dry_run_prints_a_diff_and_changes_nothing(tab: cron.Target) -> None:
    change = cron.install(target=tab, wanted=wanted({"alpha": "*/2 * * * *"}), dry_run=True)
    assert tab.read() == FOREIGN
    diff = change.diff()
    assert diff.startswith("--- ") and "+CRON_TZ=UTC" in diff


def test_missing_end_marker_is_refused(tab: cron.Target) -> None:
    assert tab.tabfile is not None
    tab.tabfile.write_text(FOREIGN + ct.BEGIN + " >>>\n* * * * * x # riotjobs:alpha\n")
    with pytest.raises(ConfigError, match="no end marker"):
        cron.install(target=tab, wanted=wanted({"alpha": "*/2 * * * *"}))


HOSTILE_PATHS = [
    "/tmp/a b/riotjobs",
    "/tmp/x;touch /tmp/pwned/riotjobs",
    "/tmp/$(touch /tmp/pwned)/riotjobs",
    "/tmp/`id`/'q'\"/riotjobs",
    "/tmp/50%/riotjobs",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_hostile_paths_are_quoted_into_one_line(path: str) -> None:
    entry = ct.Entry(
        "alpha",
        "*/2 * * * *",
        ct.command_for(job="alpha", riotjobs_bin=path, env_file=path, config=path),
    )
    line = entry.line
    assert "\n" not in line and line.endswith(" # riotjobs:alpha")
    command = line[len("*/2 * * * * ") : -len(" # riotjobs:alpha")].replace("\\%", "%")
    assert shlex.split(command) == [
        f"RIOTJOBS_ENV_FILE={path}", f"RIOTJOBS_CONFIG={path}", path,
        "run", "alpha", "--trigger", "cron",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("job", "schedule", "path"),
    [
        ("alpha\n* * * * * rm -rf /", "* * * * *", "/x"),
        ("alpha", "* * * * *\n* * * * * rm -rf /", "/x"),
        ("alpha", "@reboot", "/x"),
        ("alpha", "* * * * * extra", "/x"),
        ("alpha", "* * * * *", "/x\n* * * * * rm -rf /"),
        ("alpha", "* * * * *", "/x\rdanger"),
        ("Alpha;rm", "* * * * *", "/x"),
        # Cron would pass this to sh intact, but a marker inside the command would confuse
        # anything that reads the crontab back, so it is refused too.
        ("alpha", "* * * * *", "/x # riotjobs:evil"),
    ],
)
def test_hostile_values_are_refused(job: str, schedule: str, path: str) -> None:
    with pytest.raises(ConfigError):
        cmd = ct.command_for(job=job, riotjobs_bin=path, env_file="/e", config="/c")
        ct.render_entry(ct.Entry(job, schedule, cmd))


def test_hostile_mailto_is_refused(tab: cron.Target) -> None:
    with pytest.raises(ConfigError):
        cron.install(target=tab, wanted=wanted({"alpha": "* * * * *"}, mailto="a\n* * * * * x"))


def test_cron_status_states(tab: cron.Target) -> None:
    want = wanted({"alpha": "*/2 * * * *", "beta": "0 3 * * 1-5"})
    known = {"alpha": True, "beta": True, "gamma": False}
    report = cron.cron_status(target=tab, wanted=want, known=known)
    assert {j.job: j.state for j in report.jobs} == {
        "alpha": "missing", "beta": "missing", "gamma": "disabled"
    }  # fmt: skip
    assert not report.block_installed
    cron.install(target=tab, wanted=want)
    report = cron.cron_status(target=tab, wanted=want, known=known)
    assert report.in_sync and report.block_installed
    assert {j.job: j.state for j in report.jobs}["alpha"] == "in-sync"
    # Drift: someone edits the schedule of beta and the binary of alpha; adds a gone job.
    assert tab.tabfile is not None
    text = tab.read().replace("0 3 * * 1-5 RIOTJOBS", "0 4 * * 1-5 RIOTJOBS")
    text = text.replace("/opt/riotjobs/bin/riotjobs run alpha", "/usr/bin/riotjobs run alpha")
    text += "* * * * * riotjobs run old --trigger cron # riotjobs:old\n"
    tab.tabfile.write_text(text)
    report = cron.cron_status(target=tab, wanted=want, known=known)
    states = {j.job: (j.state, j.differences) for j in report.jobs}
    assert states["alpha"] == ("drifted", ["command"])
    assert states["beta"] == ("drifted", ["schedule"])
    assert states["old"] == ("stray", [])
    assert not report.in_sync
    doc = report.to_json()
    assert isinstance(doc["daemon_running"], bool) and doc["env_file"] == "/etc/riotjobs/env"


def test_catch_up_adds_one_reboot_line_that_cron_status_leaves_alone(tab: cron.Target) -> None:
    jobs = {"alpha": "*/2 * * * *", "beta": "0 3 * * 1-5"}
    plain = cron.install(target=tab, wanted=wanted(jobs))
    assert "@reboot" not in plain.new.split(ct.BEGIN)[1]  # no job catches up: no line
    want = cron.Wanted(**{**wanted(jobs).__dict__, "catch_up": True})
    first = cron.install(target=tab, wanted=want)
    text = tab.read()
    assert first.changed and text.startswith(FOREIGN)  # the foreign @reboot line is kept
    ours = [x for x in text.split(ct.BEGIN)[1].splitlines() if x.startswith("@reboot")]
    assert ours == [
        "@reboot RIOTJOBS_ENV_FILE=/etc/riotjobs/env RIOTJOBS_CONFIG=/etc/riotjobs/jobs.yaml"
        " /opt/riotjobs/bin/riotjobs catch-up # riotjobs:@reboot"
    ]
    assert not cron.install(target=tab, wanted=want).changed
    report = cron.cron_status(target=tab, wanted=want, known={"alpha": True, "beta": True})
    assert report.in_sync and {j.job for j in report.jobs} == {"alpha", "beta"}
    assert cron.uninstall(target=tab).new == FOREIGN
    # A system crontab names the user on the @reboot line too.
    system = cron.Wanted(**{**want.__dict__, "system_user": "riot"})
    assert "@reboot riot RIOTJOBS_ENV_FILE=" in (system.block() or "")


def test_cron_status_reports_the_reboot_line(tab: cron.Target) -> None:
    jobs = {"alpha": "*/2 * * * *"}
    known = {"alpha": True}
    plain, catching = wanted(jobs), cron.Wanted(**{**wanted(jobs).__dict__, "catch_up": True})
    cron.install(target=tab, wanted=plain)
    assert cron.cron_status(target=tab, wanted=plain, known=known).reboot is None
    # jobs.yaml gained catch_up after the crontab was installed: cron would never catch up.
    missing = cron.cron_status(target=tab, wanted=catching, known=known)
    assert missing.reboot is not None and missing.reboot.state == "missing"
    assert not missing.in_sync and missing.to_json()["reboot"]["state"] == "missing"
    cron.install(target=tab, wanted=catching)
    synced = cron.cron_status(target=tab, wanted=catching, known=known)
    assert synced.reboot is not None and synced.reboot.state == "in-sync" and synced.in_sync
    # catch_up removed from jobs.yaml: the line is stray until install-cron runs again.
    stray = cron.cron_status(target=tab, wanted=plain, known=known)
    assert stray.reboot is not None and stray.reboot.state == "stray" and not stray.in_sync
    # A hand-edited line drifts; a copy outside the block is also found and then removed.
    edited = tab.read().replace("catch-up # riotjobs:@reboot", "catch-up -v # riotjobs:@reboot")
    tab.write(edited + "@reboot /usr/bin/riotjobs catch-up # riotjobs:@reboot\n")
    drifted = cron.cron_status(target=tab, wanted=catching, known=known)
    assert drifted.reboot is not None and drifted.reboot.state == "drifted"
    assert len(ct.scan(tab.read()).reboot) == 2
    cron.install(target=tab, wanted=catching)
    assert cron.cron_status(target=tab, wanted=catching, known=known).in_sync
    assert ct.scan(tab.read()).reboot == [catching.reboot_line()]


def test_cron_daemon_detection(tmp_path: Path) -> None:
    for pid, name in ((10, "cron"), (11, "bash"), (12, "crond")):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "comm").write_text(name + "\n")
    (tmp_path / "self").mkdir()
    assert cron.cron_daemons(tmp_path) == [(10, "cron"), (12, "crond")]


def test_install_cron_command_through_the_process(
    cli_env: dict[str, str], jobs_file: Any, tmp_path: Path
) -> None:
    cli_env["RIOTJOBS_CONFIG"] = str(jobs_file(JOBS))
    path = tmp_path / "tab"
    path.write_text(FOREIGN)
    user = cron.current_user()
    dry = run_riotjobs(
        "install-cron", "--file", str(path), "--dry-run", "--write-env-file", env=cli_env
    )
    assert dry.returncode == 0, dry.stderr
    assert f"+*/2 * * * * {user} RIOTJOBS_ENV_FILE=" in dry.stdout and path.read_text() == FOREIGN
    done = run_riotjobs("install-cron", "--file", str(path), "--write-env-file", env=cli_env)
    assert done.returncode == 0, done.stderr
    text = path.read_text()
    assert "riotjobs:alpha" in text and "riotjobs:beta" in text and "riotjobs:gamma" not in text
    assert f"RIOTJOBS_CONFIG={cli_env['RIOTJOBS_CONFIG']}" in text
    assert f"RIOTJOBS_ENV_FILE={cli_env['RIOTJOBS_ENV_FILE']}" in text
    status = run_riotjobs("cron", "status", "--file", str(path), "--json", env=cli_env)
    assert status.returncode == 0, status.stderr
    assert '"in_sync": true' in status.stdout
    # Disabling beta in the database drops its entry at the next install.
    disabled = run_riotjobs("jobs", "disable", "beta", env=cli_env)
    assert disabled.returncode == 0, disabled.stderr
    assert run_riotjobs("install-cron", "--file", str(path), env=cli_env).returncode == 0
    assert "riotjobs:beta" not in path.read_text()
    removed = run_riotjobs("uninstall-cron", "--file", str(path), env=cli_env)
    assert removed.returncode == 0 and path.read_text() == FOREIGN


@pytest.mark.parametrize(
    "hostile",
    [
        'jobs:\n  evil:\n    schedule: "* * * * *\\n* * * * * rm -rf /"\n    tasks: [sleep]\n',
        'jobs:\n  "evil;rm -rf /":\n    schedule: "* * * * *"\n    tasks: [sleep]\n',
        'jobs:\n  "evil\\n* * * * * x":\n    schedule: "* * * * *"\n    tasks: [sleep]\n',
        'jobs:\n  evil:\n    schedule: "@reboot"\n    tasks: [sleep]\n',
        'jobs:\n  evil:\n    name: "a\\n* * * * * x"\n    schedule: "* * * * *"\n'
        "    tasks: [sleep]\n",
    ],
)
def test_hostile_jobs_yaml_exits_78_and_writes_nothing(
    cli_env: dict[str, str], jobs_file: Any, tmp_path: Path, hostile: str
) -> None:
    cli_env["RIOTJOBS_CONFIG"] = str(jobs_file(hostile))
    path = tmp_path / "tab"
    path.write_text(FOREIGN)
    result = run_riotjobs("install-cron", "--file", str(path), env=cli_env)
    assert result.returncode == 78, result.stderr
    assert path.read_text() == FOREIGN


def test_hostile_config_path_exits_78(
    cli_env: dict[str, str], tmp_path: Path, jobs_file: Any
) -> None:
    evil_dir = tmp_path / "x\n* * * * * touch pwned\n"
    evil_dir.mkdir()
    (evil_dir / "jobs.yaml").write_text(JOBS)
    cli_env["RIOTJOBS_CONFIG"] = str(evil_dir / "jobs.yaml")
    path = tmp_path / "tab"
    path.write_text(FOREIGN)
    result = run_riotjobs("install-cron", "--file", str(path), env=cli_env)
    assert result.returncode == 78, result.stderr
    assert "control character" in result.stderr
    assert path.read_text() == FOREIGN


def _crontab(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["crontab", *args], input=stdin, capture_output=True, text=True, check=False
    )


@pytest.fixture
def real_crontab() -> Any:
    """The current user's real crontab, saved before and restored after the test."""
    if not have("crontab"):
        missing("the `crontab` program is missing: apt-get install cron")
    saved = _crontab("-l")
    had = saved.returncode == 0
    yield
    if had:
        _crontab("-", stdin=saved.stdout)
    else:
        _crontab("-r")


def test_real_crontab_round_trip(
    real_crontab: Any, cli_env: dict[str, str], jobs_file: Any
) -> None:
    cli_env["RIOTJOBS_CONFIG"] = str(jobs_file(JOBS))
    assert _crontab("-", stdin=FOREIGN).returncode == 0
    original = _crontab("-l").stdout
    first = run_riotjobs("install-cron", "--write-env-file", env=cli_env)
    assert first.returncode == 0, first.stderr
    installed = _crontab("-l").stdout
    assert "riotjobs:alpha" in installed and installed.startswith(original)
    second = run_riotjobs("install-cron", env=cli_env)
    assert second.returncode == 0 and "already up to date" in second.stdout
    assert _crontab("-l").stdout == installed
    status = run_riotjobs("cron", "status", "--json", env=cli_env)
    assert '"in_sync": true' in status.stdout, status.stdout
    removed = run_riotjobs("uninstall-cron", env=cli_env)
    assert removed.returncode == 0, removed.stderr
    assert _crontab("-l").stdout == original
