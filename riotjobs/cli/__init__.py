"""The riotjobs command line: a thin layer that parses arguments, calls one library function
and renders the result. Each command lives in a private module that registers on ``app``.
Heavy libraries are imported inside commands so that ``riotjobs --help`` stays instant."""

from __future__ import annotations

from importlib import import_module

from riotjobs.cli._app import app

# Registration order is the order of `riotjobs --help`.
_COMMAND_MODULES = (
    "_run", "_check", "_db", "_status", "_joblist", "_jobstate", "_report", "_alerts", "_metrics",
    "_cron", "_sandbox", "_players",
)  # fmt: skip
for _name in _COMMAND_MODULES:
    import_module(f"riotjobs.cli.{_name}")

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="riotjobs")
