"""Rendering riotjobs' crontab block and splicing it into a crontab's text.

python-crontab parses and renders each riotjobs entry (its schedule check, ``%`` escaping and
the ``# riotjobs:JOB`` marker) and moves crontabs in and out of the ``crontab`` program, but the
crontab as a whole is edited as text: a python-crontab round trip rewrites lines that are not
ours (it moves environment lines to the top, turns ``%`` into stdin, collapses spacing). So the
block between the begin and end markers is replaced verbatim and every other line is kept
byte for byte.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from riotjobs.errors import ConfigError
from riotjobs.jobspec import CRON_RE, JOB_ID_RE

BEGIN = "# >>> riotjobs"
END = "# <<< riotjobs"
MARKER = "riotjobs:"
REBOOT_MARKER = MARKER + "@reboot"  # the catch-up line; no job id can start with @
# A cron line (not a comment) whose trailing comment is riotjobs' marker.
_OURS_RE = re.compile(r"^\s*[^#\s].*\s#\s*riotjobs:([a-z][a-z0-9_]*)\s*$")
_REBOOT_RE = re.compile(r"^\s*@reboot\s.*\s#\s*riotjobs:@reboot\s*$")
_USER_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}\$?$")
_SAFE_ENV = re.compile(r"^[^\s\x00-\x1f\x7f\"'\\]*$")


def template_path() -> Path:
    return Path(__file__).with_name("crontab.template")


@dataclass(frozen=True)
class Entry:
    """One riotjobs crontab line: a job, its schedule and the command cron runs."""

    job: str
    schedule: str
    command: str
    user: str | None = None  # system crontabs (/etc/cron.d) name the user to run as

    @property
    def line(self) -> str:
        return render_entry(self)


def command_for(
    *, job: str, riotjobs_bin: str, env_file: str, config: str, data_home: str | None = None
) -> str:
    """``RIOTJOBS_ENV_FILE=… RIOTJOBS_CONFIG=… /abs/riotjobs run JOB --trigger cron``, every
    value shell-quoted. Control characters are refused outright: a quoted newline would still
    end the crontab line."""
    _refuse_control(("job id", job))
    if not JOB_ID_RE.match(job):
        raise ConfigError(f"job id {job!r} must match {JOB_ID_RE.pattern}")
    return _command(
        f"run {shlex.quote(job)} --trigger cron",
        riotjobs_bin=riotjobs_bin,
        env_file=env_file,
        config=config,
        data_home=data_home,
    )


def _refuse_control(*values: tuple[str, str]) -> None:
    for what, value in values:
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ConfigError(
                f"{what} {value!r} contains a control character; refusing to write it"
            )


def _command(
    args: str, *, riotjobs_bin: str, env_file: str, config: str, data_home: str | None
) -> str:
    _refuse_control(("riotjobs path", riotjobs_bin), ("env file", env_file),
                    ("jobs file", config), ("XDG_DATA_HOME", data_home or ""))  # fmt: skip
    # XDG_DATA_HOME only when the shell's embedded database is not where cron would look.
    data = f"XDG_DATA_HOME={shlex.quote(data_home)} " if data_home else ""
    return (
        f"RIOTJOBS_ENV_FILE={shlex.quote(env_file)} RIOTJOBS_CONFIG={shlex.quote(config)} "
        f"{data}{shlex.quote(riotjobs_bin)} {args}"
    )


def reboot_line(
    *,
    riotjobs_bin: str,
    env_file: str,
    config: str,
    data_home: str | None = None,
    user: str | None = None,
) -> str:
    """``@reboot … riotjobs catch-up # riotjobs:@reboot``: at boot, run the jobs whose last
    scheduled run was missed (jobs.yaml ``catch_up``). Its marker is no job id, so ``cron
    status`` does not take it for a job's entry."""
    from crontab import CronTab

    command = _command(
        "catch-up", riotjobs_bin=riotjobs_bin, env_file=env_file, config=config,
        data_home=data_home,
    ).replace("%", "\\%")  # fmt: skip
    if user is not None:
        if not _USER_RE.match(user):
            raise ConfigError(f"user {user!r} is not a valid user name for a crontab")
        command = f"{user} {command}"
    line = f"@reboot {command} # {REBOOT_MARKER}"
    items = list(CronTab(tab=line))
    if len(items) != 1 or not items[0].is_valid() or items[0].comment != REBOOT_MARKER:
        raise ConfigError("refusing to write a malformed crontab @reboot entry")
    return line


def render_entry(entry: Entry) -> str:
    """``SCHEDULE COMMAND # riotjobs:JOB`` with ``%`` escaped (cron turns a bare ``%`` into a
    newline), checked by parsing it back with python-crontab: one valid entry, same schedule,
    same marker. The schedule is written as given (python-crontab's own rendering would turn
    ``0 * * * *`` into ``@hourly``)."""
    from crontab import CronTab

    if not CRON_RE.match(entry.schedule):
        raise ConfigError(f"job {entry.job}: schedule {entry.schedule!r} is not five cron fields")
    command = entry.command.replace("%", "\\%")
    if entry.user is not None:
        if not _USER_RE.match(entry.user):
            raise ConfigError(f"user {entry.user!r} is not a valid user name for a crontab")
        command = f"{entry.user} {command}"
    line = f"{entry.schedule} {command} # {MARKER}{entry.job}"
    items = list(CronTab(tab=line))
    if (
        "\n" in line
        or "\r" in line
        or len(items) != 1
        or not items[0].is_valid()
        or items[0].comment != MARKER + entry.job
        or str(items[0].slices) != str(CronTab(tab=f"{entry.schedule} x")[0].slices)
    ):
        raise ConfigError(f"job {entry.job}: refusing to write a malformed crontab entry")
    return line


def render_block(
    entries: list[Entry], *, path: str, mailto: str, template: str, extra: Sequence[str] = ()
) -> str:
    """The whole riotjobs block from ``crontab.template``; checked to hold exactly our lines
    (``extra``: lines after the job entries, e.g. the ``@reboot`` catch-up line)."""
    for name, value in (("PATH", path), ("MAILTO", mailto)):
        if not _SAFE_ENV.match(value):
            raise ConfigError(f"{name} value {value!r} may not contain spaces, quotes or newlines")
    lines = [e.line for e in entries]
    rendered = "\n".join([*lines, *extra])
    try:
        text = Template(template).substitute(path=path, mailto=mailto, entries=rendered)
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"crontab.template: bad placeholder {exc}") from None
    block = text.strip("\n") + "\n"
    rows = block.splitlines()
    if not rows[0].startswith(BEGIN) or not rows[-1].startswith(END):
        raise ConfigError(f"crontab.template must start with '{BEGIN}' and end with '{END}'")
    ours = [row for row in rows if _OURS_RE.match(row)]
    if ours != lines:
        raise ConfigError("crontab.template rendered riotjobs entries other than the expected ones")
    return block


@dataclass(frozen=True)
class Installed:
    """What a crontab's text holds of riotjobs: block ranges and every marked entry line."""

    lines: list[str]  # the crontab, split with line ends kept
    blocks: list[tuple[int, int]]  # inclusive (begin, end) line indexes
    entries: dict[str, list[str]]  # job id -> its marked lines (more than one is a stray)
    reboot: list[str] = field(default_factory=list)  # marked `@reboot ... catch-up` lines

    def outside(self, index: int) -> bool:
        return not any(b <= index <= e for b, e in self.blocks)


def scan(text: str) -> Installed:
    lines = text.splitlines(keepends=True)
    blocks: list[tuple[int, int]] = []
    start: int | None = None
    for index, raw in enumerate(lines):
        row = raw.strip()
        if row.startswith(BEGIN) and start is None:
            start = index
        elif row.startswith(END) and start is not None:
            blocks.append((start, index))
            start = None
    if start is not None:
        raise ConfigError(
            f"the crontab has a riotjobs begin marker on line {start + 1} but no end marker "
            f"('{END} <<<'); fix it with `crontab -e`, then re-run"
        )
    entries: dict[str, list[str]] = {}
    reboot: list[str] = []
    for raw in lines:
        found = _OURS_RE.match(raw.rstrip("\r\n"))
        if found:
            entries.setdefault(found.group(1), []).append(raw.strip())
        elif _REBOOT_RE.match(raw.rstrip("\r\n")):
            reboot.append(raw.strip())
    return Installed(lines, blocks, entries, reboot)


def splice(text: str, block: str | None) -> str:
    """``text`` with every riotjobs block and marked line removed and ``block`` put where the
    first block was (or appended). ``block=None`` removes riotjobs entirely."""
    found = scan(text)
    kept: list[str] = []
    position: int | None = None
    for index, raw in enumerate(found.lines):
        if not found.outside(index):
            if position is None:
                position = len(kept)
            continue
        if _OURS_RE.match(raw.rstrip("\r\n")) or _REBOOT_RE.match(raw.rstrip("\r\n")):
            continue  # a stray riotjobs line outside the block
        kept.append(raw)
    if block is not None:
        if position is None:
            if kept and not kept[-1].endswith("\n"):
                kept[-1] += "\n"
            position = len(kept)
        kept.insert(position, block)
    return "".join(kept)


def parse_line(line: str) -> tuple[str, str]:
    """(schedule, command) of a crontab line, as python-crontab reads it."""
    from crontab import CronTab

    items = list(CronTab(tab=line))
    if len(items) != 1:
        return "", line
    item = items[0]
    return str(item.slices.render()), str(item.command)
