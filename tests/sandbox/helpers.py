"""Helpers for the sandbox tests: the small league every test serves."""

from __future__ import annotations

from riotjobs.sandbox import SandboxConfig

# A fixed start makes every test see the same league whatever the wall clock says.
START = 1_750_000_200.0


def small_config(**overrides: object) -> SandboxConfig:
    values: dict[str, object] = {"seed": 7, "players": 300, "start": START, "app_limit": "none"}
    values.update(overrides)
    return SandboxConfig(**values)  # type: ignore[arg-type]
