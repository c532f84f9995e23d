"""A reader that goes away (`riotjobs history job | head -1`) ends a command quietly with 141,
the status a shell shows for any filter a closed pipe stopped: no `internal error` line, no
"Exception ignored" noise, and nothing already committed is lost.

The reader is a pipe whose read end is closed before riotjobs writes, so every write fails;
`| head -1` is the same thing with a race in it.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from riotjobs.errors import ExitCode
from tests.helpers import RIOTJOBS_BIN


def _with_reader_gone(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = subprocess.Popen(
        [RIOTJOBS_BIN, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    try:
        code = process.wait(timeout=60)
    finally:
        process.kill()
    return code, process.stderr.read()


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],  # help printed by typer through rich
        ["sandbox", "serve", "--help"],  # a subcommand's help, inside the group's invoke
        ["jobs"],  # a table from the database
        ["history", "reap"],
    ],
)
def test_a_closed_pipe_exits_141_without_a_word(args: list[str], cli_env: dict[str, str]) -> None:
    code, stderr = _with_reader_gone(*args, env=cli_env)
    assert code == ExitCode.SIGPIPE
    assert int(ExitCode.SIGPIPE) == 141
    assert stderr == ""


def test_a_run_whose_reader_went_away_is_still_recorded(cli_env: dict[str, str]) -> None:
    from tests.helpers import run_riotjobs

    code, stderr = _with_reader_gone("run", "reap", env=cli_env)
    assert (code, stderr) == (0, "")  # `run` writes nothing to a pipe: nothing to lose
    shown = run_riotjobs("history", "reap", "--json", env=cli_env)
    assert shown.returncode == 0, shown.stderr
    runs = json.loads(shown.stdout)["executions"]
    assert [(r["status"], r["exit_code"]) for r in runs] == [("success", 0)]


def test_output_to_dev_null_is_not_mistaken_for_a_closed_pipe(cli_env: dict[str, str]) -> None:
    done = subprocess.run(
        [RIOTJOBS_BIN, "--help"], env=cli_env, stdout=subprocess.DEVNULL, timeout=60, check=False
    )
    assert done.returncode == 0
