"""The typer application object and the error boundary every command runs inside."""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from riotjobs.errors import (
    ExitCode,
    RiotJobsError,
    connection_lost,
    first_line,
    is_database_error,
)


class _Group(TyperGroup):
    """Turns riotjobs errors into one line on stderr and the documented exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _reflow_tree(self)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Click's usage errors as one ``riotjobs:`` line and exit 2, instead of a framed
        block of several lines."""
        from click import exceptions as click

        from riotjobs.cli import output

        stdout = _stdout_file()
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except SystemExit:
            if not _reader_gone(stdout):
                raise
            code = ExitCode.SIGPIPE
        except click.NoArgsIsHelpError as exc:  # `riotjobs db` alone: its help
            sys.stderr.write((exc.ctx.get_help() if exc.ctx else "") + "\n")
            code = ExitCode.USAGE
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "riotjobs"
            text = " ".join(exc.format_message().replace("Value error, ", "").split())
            output.error(f"{text} (see `{where} --help`)")
            code = exc.exit_code
        except click.ClickException as exc:
            output.error(" ".join(exc.format_message().split()))
            code = exc.exit_code
        except typer.Abort:
            output.error("aborted")
            code = ExitCode.FAILED
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code

    def invoke(self, ctx: Any) -> Any:
        from riotjobs.cli import output

        try:
            return super().invoke(ctx)
        except RiotJobsError as exc:
            output.error(str(exc))
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            output.error("interrupted")
            raise typer.Exit(ExitCode.SIGINT) from None
        except (typer.Exit, typer.Abort, SystemExit, BrokenPipeError):
            raise
        except Exception as exc:
            from click import exceptions as click

            if isinstance(exc, click.ClickException):
                raise
            if is_database_error(exc):
                # A server that answered (a statement timeout, say) is a database error: exit 1;
                # one that did not, or went away, is unavailable: 69.
                gone = connection_lost(exc)
                output.error(f"database {'unavailable' if gone else 'error'}: {first_line(exc)}")
                raise typer.Exit(ExitCode.UNAVAILABLE if gone else ExitCode.FAILED) from None
            if _is_sql_error(exc):
                output.error(f"database error: {first_line(exc)}")
                raise typer.Exit(ExitCode.FAILED) from None
            if os.environ.get("RIOTJOBS_DEBUG"):
                raise
            # Never a traceback in cron mail: one line, the traceback on request.
            output.error(
                f"internal error: {type(exc).__name__}: {first_line(exc)} "
                "(set RIOTJOBS_DEBUG=1 for the traceback)"
            )
            raise typer.Exit(ExitCode.FAILED) from None


def _stdout_file() -> tuple[int, int] | None:
    """The file behind stdout's descriptor (device, inode), or None without one."""
    try:
        found = os.fstat(sys.__stdout__.fileno()) if sys.__stdout__ else None
    except (OSError, ValueError):
        return None
    return (found.st_dev, found.st_ino) if found else None


def _reader_gone(stdout: tuple[int, int] | None) -> bool:
    """Whether the command ended because stdout's reader closed the pipe (``| head -1``).

    rich and click meet the ``BrokenPipeError`` first and exit 1 without a word: rich after
    pointing stdout at /dev/null, click after wrapping ``sys.stdout`` so the last flush stays
    quiet. Either trace tells us, and the command then exits 141, what a shell shows for any
    filter a closed pipe stopped. The signal's handler stays Python's (ignored) rather than
    the default that kills the process: a reader going away must never stop a run between two
    statements.
    """
    if type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
        return True
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    now = _stdout_file()
    return now is not None and now != stdout and now == (null.st_dev, null.st_ino)


def reflow(text: str | None) -> str | None:
    """Join the hard-wrapped lines of each prose paragraph of a help text.

    Typer keeps single line breaks, so source text wrapped at 100 columns came out ragged in an
    80-column terminal. Paragraphs marked with ``\\b``, or with indented, bulleted or ``$``
    lines, are laid out by hand and kept as they are.
    """
    if not text:
        return text
    paragraphs = inspect.cleandoc(text).split("\n\n")
    kept = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        laid_out = paragraph.startswith("\b") or "\f" in paragraph
        laid_out = laid_out or any(line.startswith((" ", "\t", "-", "*", "$")) for line in lines)
        kept.append(paragraph if laid_out else " ".join(line.strip() for line in lines))
    return "\n\n".join(kept)


def _reflow_tree(command: Any) -> None:
    command.help = reflow(command.help)
    for sub in getattr(command, "commands", {}).values():
        _reflow_tree(sub)


def _is_sql_error(exc: BaseException) -> bool:
    sa_exc = sys.modules.get("sqlalchemy.exc")
    pg = sys.modules.get("psycopg")
    kinds: list[type[BaseException]] = []
    if sa_exc is not None:
        kinds.append(sa_exc.DBAPIError)
    if pg is not None:
        kinds.append(pg.Error)
    return bool(kinds) and isinstance(exc, tuple(kinds))


app = typer.Typer(
    name="riotjobs",
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=(
        "Cron-driven jobs for a League of Legends player-intelligence pipeline.\n\n"
        "Track players, pull their ranked matches from the Riot API, score the players they "
        "meet for smurf behaviour, and record every run in Postgres.\n\n"
        "Start with:  riotjobs status"
    ),
)


def version_callback(value: bool) -> None:
    if value:
        from riotjobs import __version__

        typer.echo(f"riotjobs {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """Cron-driven jobs for a League of Legends player-intelligence pipeline."""


# `riotjobs jobs …` is shared by the job-state commands (enable/disable/set) and the read
# commands (list/show), which live in different modules.
jobs_app = typer.Typer(
    help="List jobs, show one, and steer them: enable, disable, set config overrides.\n\n"
    "Example:  riotjobs jobs disable --all",
)
app.add_typer(jobs_app, name="jobs")
