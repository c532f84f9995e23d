"""`riotjobs db`: schema migrations and the database in use."""

from __future__ import annotations

import typer

from riotjobs.cli import _common, output
from riotjobs.cli._app import app
from riotjobs.errors import ExitCode

db_app = typer.Typer(
    no_args_is_help=True,
    help="Manage the database schema.\n\nExample:  riotjobs db upgrade",
)
app.add_typer(db_app, name="db")


JSON_HELP = "Print a JSON document on stdout for scripts."


@db_app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", help="Target revision (default: the newest)."),
) -> None:
    """Create or upgrade the schema. Safe to run again: a current schema is left alone.

    Concurrent upgrades wait for each other; only the one that changed the schema says so.
    A database whose schema is newer than this riotjobs is refused (exit 78).

    Example:  RIOTJOBS_DATABASE_URL=postgresql://app@db/riot riotjobs db upgrade
    """
    from riotjobs.db import migrate

    migrate.check_revision(revision)
    with _common.engine(check_schema=False) as (engine, _):
        before, after = migrate.upgrade(engine, revision)
    if before == after:
        typer.echo(f"schema already at {after}")
    else:
        typer.echo(f"schema upgraded from {before or 'empty'} to {after}")


@db_app.command("current")
def current(
    as_json: bool = _common.JSON_OPTION,
    check: bool = typer.Option(
        False, "--check", help="Exit 78 unless the schema is exactly what this riotjobs needs."
    ),
) -> None:
    """Print the schema revision of the database and whether it is current.

    The schema is up to date, behind (run `riotjobs db upgrade`), or ahead of this riotjobs
    (upgrade riotjobs).

    Example:  riotjobs db current --check || riotjobs db upgrade
    """
    from riotjobs.db import migrate

    with _common.connection(check_schema=False) as (conn, _):
        rev = migrate.revision_of(conn)
    state = migrate.describe(rev)
    if as_json:
        output.print_json(
            {"revision": rev, "head": migrate.HEAD, "up_to_date": rev == migrate.HEAD,
             "state": state}
        )  # fmt: skip
    else:
        typer.echo(f"{rev or 'empty'} {state}")
    if check and rev != migrate.HEAD:
        raise typer.Exit(ExitCode.CONFIG)


@db_app.command("url")
def url(as_json: bool = _common.JSON_OPTION) -> None:
    """Print the database URL in use, with the password masked.

    Example:  riotjobs db url
    """
    from riotjobs.db.engine import masked, resolve_url

    resolved, embedded = resolve_url(**_common.settings().database())
    if as_json:
        output.print_json({"url": masked(resolved), "embedded": embedded})
    else:
        typer.echo(masked(resolved) + ("  (embedded)" if embedded else ""))
