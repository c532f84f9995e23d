"""The riotjobs command line: a thin layer that parses arguments, calls one library function
and renders the result. Each command lives in a private module that registers on ``app``.
Heavy libraries are imported inside commands so that ``riotjobs --help`` stays instant."""

from __future__ import annotations

import os
from importlib import import_module

from riotjobs.cli._app import app

# Registration order is the order of `riotjobs --help`: what an operator types first, first.
_COMMAND_MODULES = (
    "_status", "_follow", "_run", "_catchup", "_cancel", "_joblist", "_jobstate", "_players",
    "_report", "_cron", "_alerts", "_metrics", "_check", "_db", "_sandbox",
)  # fmt: skip
for _name in _COMMAND_MODULES:
    import_module(f"riotjobs.cli.{_name}")

__all__ = ["app", "main"]


def main() -> None:
    # riotjobs uses no pydantic plugins, and looking for them reads the metadata of every
    # installed distribution: a few per cent of a read command's time. (typer does the same
    # for its own adapters.) An operator may still set the variable.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app(prog_name="riotjobs")
