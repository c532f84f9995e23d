"""Helpers for the operations tests: a webhook receiver on 127.0.0.1, and rows of finished runs
and of analyses."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from riotjobs.db.models import SCORE_NAMES, JobExecution, PlayerAnalysis, utcnow


class Receiver:
    """A webhook receiver in a thread. ``mode``: ``ok`` (204), ``fail`` (500) or ``hang``."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if receiver.mode == "hang":
                    receiver.release.wait(30)
                    return
                if receiver.mode == "fail":
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.bodies.append(json.loads(raw))
                receiver.paths.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook/T0KEN-s3cret-path"

    def events(self) -> list[str]:
        return [str(body.get("event") or _kind_of(body)) for body in self.bodies]


def _kind_of(body: dict[str, Any]) -> str:
    text = str(body.get("text") or body.get("content") or "")
    for word, kind in (("ALERT", "alert"), ("RECOVERED", "recovery"), ("banned", "banned")):
        if word in text:
            return kind
    return "test" if "test" in text else "?"


class Runs:
    """Inserts finished job_executions rows, each starting a minute after the previous one."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.clock = utcnow() - timedelta(hours=2)

    def add(
        self, job_id: str, status: str, *, error: str | None = None, **fields: Any
    ) -> JobExecution:
        self.clock += timedelta(minutes=1)
        started: datetime = fields.pop("started_at", self.clock)
        finished = None if status == "running" else started + timedelta(seconds=3)
        row = JobExecution(
            job_id=job_id,
            trigger="cron",
            status=status,
            host="test-host",
            pid=4242,
            timeout_s=fields.pop("timeout_s", 90),
            started_at=started,
            finished_at=fields.pop("finished_at", finished),
            duration_ms=fields.pop("duration_ms", None if finished is None else 3000),
            error=error,
            **fields,
        )
        self.session.add(row)
        self.session.commit()
        return row


def add_analysis(session: Any, puuid: str, *, is_smurf: bool = False) -> None:
    scores = {f"{name}_score": 0.5 for name in SCORE_NAMES}
    session.add(
        PlayerAnalysis(
            puuid=puuid,
            analysis_version="t1",
            sample_size=20,
            total_matches=20,
            confidence=0.5,
            is_smurf=is_smurf,
            **scores,
        )
    )
    session.commit()
