"""`riotjobs db`: schema migrations and the database in use."""

from __future__ import annotations

import typer

from riotjobs.cli import _common
from riotjobs.cli._app import app

db_app = typer.Typer(
    no_args_is_help=True,
    help="Manage the database schema.\n\nExample:  riotjobs db upgrade",
)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", help="Target revision (default: the newest)."),
) -> None:
    """Create or upgrade the schema. Safe to run again: a current schema is left alone.

    Example:  RIOTJOBS_DATABASE_URL=postgresql://app@db/riot riotjobs db upgrade
    """
    from riotjobs.db import migrate

    with _common.engine(check_schema=False) as (engine, _):
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
    if before == after:
        typer.echo(f"schema already at {after}")
    else:
        typer.echo(f"schema upgraded from {before or 'empty'} to {after}")


@db_app.command("current")
def current() -> None:
    """Print the schema revision of the database and whether it is current.

    Example:  riotjobs db current
    """
    from riotjobs.db import migrate

    with _common.connection(check_schema=False) as (conn, _):
        rev = migrate.revision_of(conn)
    state = "up to date" if rev == migrate.HEAD else f"behind (head is {migrate.HEAD})"
    typer.echo(f"{rev or 'empty'} {state}")


@db_app.command("url")
def url() -> None:
    """Print the database URL in use, with the password masked.

    Example:  riotjobs db url
    """
    from riotjobs.db.engine import masked, resolve_url

    resolved, embedded = resolve_url(**_common.settings().database())
    typer.echo(masked(resolved) + ("  (embedded)" if embedded else ""))
