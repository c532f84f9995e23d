"""Fixtures for the operations tests: a real webhook receiver on 127.0.0.1 and run rows (the
classes are in ``helpers.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.ops.helpers import Receiver, Runs


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    rec.thread.start()
    yield rec
    rec.release.set()
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture
def runs(session: Any) -> Runs:
    return Runs(session)
