"""Fixtures for the sandbox tests: one shared small league served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from riotjobs.sandbox import SandboxConfig, SandboxHandle, serve_in_thread

# A fixed start makes every test see the same league whatever the wall clock says.
START = 1_750_000_200.0


def small_config(**overrides: object) -> SandboxConfig:
    values: dict[str, object] = {"seed": 7, "players": 300, "start": START, "app_limit": "none"}
    values.update(overrides)
    return SandboxConfig(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with serve_in_thread(small_config()) as sb:
        yield sb


@pytest.fixture
def client(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.root_url, headers={"X-Riot-Token": sandbox.api_key}, timeout=30
    ) as c:
        yield c
