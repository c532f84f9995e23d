"""Fixtures for the sandbox tests: one shared small league served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from riotjobs.sandbox import SandboxHandle, serve_in_thread
from tests.sandbox.helpers import small_config


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
