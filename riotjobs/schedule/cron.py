"""`riotjobs install-cron`, `uninstall-cron` and `cron status` as library functions.

One crontab entry per enabled job (jobs.yaml, then the database's enable/disable state), inside
a marked block rendered from ``crontab.template``. Entries run the absolute path of riotjobs
with ``RIOTJOBS_ENV_FILE`` (secrets stay in that file, never in the crontab) and
``RIOTJOBS_CONFIG`` (so cron reads the same jobs.yaml). Installing twice changes nothing;
lines that are not riotjobs' are kept byte for byte. The crontab is read and written through
python-crontab: a user's crontab via the ``crontab`` program, or a plain file (``tabfile``).
"""

from __future__ import annotations

import difflib
import os
import pwd
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riotjobs.errors import RiotJobsError, UsageError
from riotjobs.schedule import cronenv
from riotjobs.schedule import crontext as ct
from riotjobs.schedule.crontz import ZoneNote, zone_note

DAEMON_NAMES = ("cron", "crond")


class CrontabError(RiotJobsError):
    """The crontab program failed or is missing (exit 69: a system service is unavailable)."""

    exit_code = 69


@dataclass(frozen=True)
class Target:
    """Whose crontab: a user's (via the `crontab` program) or a file (tests, /etc/cron.d)."""

    user: str | None = None
    tabfile: Path | None = None

    def describe(self) -> str:
        if self.tabfile is not None:
            return f"file {self.tabfile}"
        return f"crontab of user {self.user or current_user()}"

    def read(self) -> str:
        if self.tabfile is not None:
            return self.tabfile.read_text(encoding="utf-8") if self.tabfile.exists() else ""
        return _Verbatim.load(self.user).text

    def write(self, text: str) -> None:
        if self.tabfile is not None:
            self.tabfile.write_text(text, encoding="utf-8")
            return
        _Verbatim.save(self.user, text)


def current_user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


class _Verbatim:
    """python-crontab's `crontab -l` / `crontab FILE` handling, with the text kept verbatim
    (its own rendering would rewrite lines that are not ours)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @staticmethod
    def _tab_class() -> Any:
        from crontab import CronTab

        class VerbatimTab(CronTab):  # type: ignore[misc]
            raw: str = ""
            verbatim: str | None = None

            def __setattr__(self, name: str, value: Any) -> None:
                if name == "lines" and value:
                    object.__setattr__(self, "raw", "\n".join(value))
                super().__setattr__(name, value)

            def render(self, errors: bool = False) -> str:
                return self.verbatim if self.verbatim is not None else str(super().render(errors))

        return VerbatimTab

    @classmethod
    def load(cls, user: str | None) -> _Verbatim:
        try:
            tab = cls._tab_class()(user=user or True)
        except OSError as exc:
            raise CrontabError(f"cannot read the crontab: {exc}") from None
        return cls(tab.raw)

    @classmethod
    def save(cls, user: str | None, text: str) -> None:
        tab = cls._tab_class()(tab="")
        tab.verbatim = text
        try:
            tab.write(user=user or True)
        except OSError as exc:
            raise CrontabError(f"cannot write the crontab: {exc}") from None


def riotjobs_executable() -> str:
    """The absolute path of the running riotjobs console script."""
    argv0 = Path(sys.argv[0])
    if argv0.name == "riotjobs" and argv0.exists():
        return str(argv0.resolve())
    found = shutil.which("riotjobs")
    if found:
        return str(Path(found).resolve())
    return str(Path(sys.executable).with_name("riotjobs"))


def home_of(user: str) -> str:
    """The user's home directory as cron sets ``HOME`` (from the password database)."""
    try:
        return pwd.getpwnam(user).pw_dir
    except KeyError:
        raise UsageError(f"unknown user {user!r}") from None


def default_env_file(user: str | None) -> str:
    """RIOTJOBS_ENV_FILE if set, else ~USER/.config/riotjobs/env of the crontab's owner."""
    if os.environ.get("RIOTJOBS_ENV_FILE"):
        return str(Path(os.environ["RIOTJOBS_ENV_FILE"]).expanduser().absolute())
    try:
        home = Path(pwd.getpwnam(user).pw_dir) if user else Path("~").expanduser()
    except KeyError:
        raise UsageError(f"unknown user {user!r}") from None
    return str(home / ".config" / "riotjobs" / "env")


@dataclass(frozen=True)
class Wanted:
    """Everything install-cron needs to render the block."""

    jobs: dict[str, str]  # enabled job id -> schedule
    riotjobs_bin: str
    env_file: str
    config: str
    mailto: str
    data_home: str | None = None  # XDG_DATA_HOME for cron: the shell's embedded database
    system_user: str | None = None  # a system crontab (/etc/cron.d): its user column
    # An enabled job declares catch_up: the block gets the `@reboot ... catch-up` line.
    catch_up: bool = False

    def entries(self) -> list[ct.Entry]:
        return [
            ct.Entry(
                job_id,
                schedule,
                ct.command_for(
                    job=job_id,
                    riotjobs_bin=self.riotjobs_bin,
                    env_file=self.env_file,
                    config=self.config,
                    data_home=self.data_home,
                ),
                user=self.system_user,
            )
            for job_id, schedule in sorted(self.jobs.items())
        ]

    def block(self) -> str | None:
        """The rendered block; None when no job is enabled (an empty block would leave its
        environment lines applying to whatever follows)."""
        if not self.jobs:
            return None
        path = f"{Path(self.riotjobs_bin).parent}:/usr/local/bin:/usr/bin:/bin"
        template = ct.template_path().read_text(encoding="utf-8")
        extra = [self.reboot_line()] if self.catch_up else []
        return ct.render_block(
            self.entries(), path=path, mailto=self.mailto, template=template, extra=extra
        )

    def reboot_line(self) -> str:
        return ct.reboot_line(
            riotjobs_bin=self.riotjobs_bin,
            env_file=self.env_file,
            config=self.config,
            data_home=self.data_home,
            user=self.system_user,
        )


@dataclass(frozen=True)
class Change:
    target: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.old.splitlines(keepends=True),
                self.new.splitlines(keepends=True),
                fromfile=f"{self.target} (installed)",
                tofile=f"{self.target} (riotjobs)",
            )
        )


def install(*, target: Target, wanted: Wanted, dry_run: bool = False) -> Change:
    """Write (or with ``dry_run`` only compute) the crontab holding one entry per enabled job."""
    old = target.read()
    new = ct.splice(old, wanted.block())
    change = Change(target.describe(), old, new)
    if change.changed and not dry_run:
        target.write(new)
    return change


def uninstall(*, target: Target, dry_run: bool = False) -> Change:
    """Remove riotjobs' block and any stray riotjobs entry; nothing else is touched."""
    old = target.read()
    change = Change(target.describe(), old, ct.splice(old, None))
    if change.changed and not dry_run:
        target.write(change.new)
    return change


@dataclass(frozen=True)
class JobCronState:
    job: str
    enabled: bool
    state: str  # in-sync | drifted | missing | disabled | stray | misconfigured
    installed: str | None
    expected: str | None
    differences: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "enabled": self.enabled,
            "state": self.state,
            "installed": self.installed,
            "expected": self.expected,
            "differences": list(self.differences),
        }


@dataclass(frozen=True)
class CronStatus:
    target: str
    daemons: list[tuple[int, str]]
    block_installed: bool
    env_file: str
    env_file_exists: bool
    jobs: list[JobCronState]
    environment: list[str] = field(default_factory=list)  # what cron would see differently
    zone: ZoneNote | None = None
    # The `@reboot ... catch-up` line: None when no job catches up and none is installed.
    reboot: RebootState | None = None

    @property
    def in_sync(self) -> bool:
        jobs_ok = all(j.state in ("in-sync", "disabled") for j in self.jobs)
        return jobs_ok and (self.reboot is None or self.reboot.state == "in-sync")

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "daemon_running": bool(self.daemons),
            "daemons": [{"pid": pid, "name": name} for pid, name in self.daemons],
            "block_installed": self.block_installed,
            "env_file": self.env_file,
            "env_file_exists": self.env_file_exists,
            "in_sync": self.in_sync,
            "jobs": [j.to_json() for j in self.jobs],
            "environment_differences": list(self.environment),
            "time_zone": self.zone.to_json() if self.zone is not None else None,
            "reboot": self.reboot.to_json() if self.reboot is not None else None,
        }


@dataclass(frozen=True)
class RebootState:
    """The catch-up line's state: in-sync, drifted, missing (a job declares ``catch_up`` but
    cron will not run ``catch-up`` at boot) or stray (installed, but no enabled job needs it)."""

    state: str
    installed: str | None
    expected: str | None

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "installed": self.installed, "expected": self.expected}


def _reboot_state(installed: list[str], expected: str | None) -> RebootState | None:
    have = installed[0] if installed else None
    if expected is None:
        return RebootState("stray", have, None) if have else None
    if have is None:
        return RebootState("missing", None, expected)
    in_sync = have == expected and len(installed) == 1
    return RebootState("in-sync" if in_sync else "drifted", have, expected)


def _differences(installed: str, expected: str) -> list[str]:
    have, want = ct.parse_line(installed), ct.parse_line(expected)
    result = []
    if have[0] != want[0]:
        result.append("schedule")
    if have[1] != want[1]:
        result.append("command")
    return result or (["comment"] if installed != expected else [])


def cron_status(
    *,
    target: Target,
    wanted: Wanted,
    known: dict[str, bool],
    misconfigured: Mapping[str, bool] | None = None,
) -> CronStatus:
    """Each job of jobs.yaml (``known``: id -> effective enabled) against the installed
    crontab, plus riotjobs entries for jobs that are gone, and whether a cron daemon runs.
    A ``misconfigured`` job (id -> enabled; its jobs.yaml entry does not validate) is never in
    sync."""
    misconfigured = misconfigured or {}
    found = ct.scan(target.read())
    expected = {e.job: e.line for e in wanted.entries()}
    states = []
    for job_id in sorted(set(known) | set(found.entries) | set(misconfigured)):
        lines = found.entries.get(job_id, [])
        installed = lines[0] if lines else None
        want = expected.get(job_id)
        enabled = known.get(job_id, misconfigured.get(job_id, False))
        diffs: list[str] = []
        if job_id in misconfigured:
            state = "misconfigured"
        elif job_id not in known or (not enabled and installed):
            state = "stray"
        elif not enabled:
            state = "disabled"
        elif installed is None:
            state = "missing"
        else:
            diffs = _differences(installed, want or "")
            if len(lines) > 1:
                diffs.append("duplicate")
            state = "drifted" if diffs else "in-sync"
        states.append(JobCronState(job_id, enabled, state, installed, want, diffs))
    daemons = cron_daemons()
    owner = wanted.system_user or target.user or current_user()
    return CronStatus(
        target=target.describe(),
        daemons=daemons,
        block_installed=bool(found.blocks),
        env_file=wanted.env_file,
        env_file_exists=Path(wanted.env_file).is_file(),
        jobs=states,
        environment=cronenv.differences(
            environ=os.environ,
            shell_env_file=Path(os.environ.get("RIOTJOBS_ENV_FILE") or wanted.env_file),
            cron_env_file=Path(wanted.env_file),
            cron_home=home_of(owner),
            cron_data_home=wanted.data_home,
        ),
        zone=zone_note(schedules=wanted.jobs, daemon_names=[name for _, name in daemons]),
        reboot=_reboot_state(
            found.reboot, wanted.reboot_line() if wanted.catch_up and wanted.jobs else None
        ),
    )


def cron_daemons(proc: Path = Path("/proc")) -> list[tuple[int, str]]:
    """(pid, name) of running processes called cron or crond."""
    found = []
    for entry in proc.iterdir() if proc.is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if name in DAEMON_NAMES:
            found.append((int(entry.name), name))
    return sorted(found)
