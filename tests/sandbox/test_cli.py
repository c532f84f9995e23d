"""`riotjobs sandbox serve` as a real process: announces its URL, serves, stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx
import pytest

from tests.helpers import RIOTJOBS_BIN

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_template_and_stops_on_signal(sig: signal.Signals) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIOT")}
    proc = subprocess.Popen(
        [RIOTJOBS_BIN, "sandbox", "serve", "--port", "0", "--players", "200", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        name, _, template = first.partition("=")
        assert name == "RIOTJOBS_RIOT_BASE_URL"
        assert template.startswith("http://127.0.0.1:") and template.endswith("/{routing}")
        url = template.format(routing="na1") + "/lol/status/v4/platform-data"
        response = httpx.get(url, headers={"X-Riot-Token": "RGAPI-sandbox"}, timeout=10)
        assert response.status_code == 200 and response.json()["id"] == "NA1"
        began = time.monotonic()
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - began < 5
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bad_arguments_are_one_line_errors() -> None:
    result = subprocess.run(
        [RIOTJOBS_BIN, "sandbox", "serve", "--method-limit", "bogus=1:1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "invalid method limit" in result.stderr and "Traceback" not in result.stderr
