"""The riotjobs command line: a thin layer that parses arguments, calls one library function
and renders the result. Each command lives in a private module that registers on ``app``.
Heavy libraries are imported inside commands so that ``riotjobs --help`` stays instant."""

from __future__ import annotations

from riotjobs.cli import _check, _db  # noqa: F401  (registers commands)
from riotjobs.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="riotjobs")
