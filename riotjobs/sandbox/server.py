"""Running the sandbox: in a background thread (tests, benchmarks) or in the foreground (CLI).

Both bind the socket first, so port 0 resolves to a real port before anything is announced.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

from riotjobs.errors import RiotJobsError, UsageError
from riotjobs.sandbox.app import SandboxApp
from riotjobs.sandbox.config import SandboxConfig

log = logging.getLogger("riotjobs.sandbox")


class SandboxStartError(RiotJobsError):
    """The sandbox server could not start (port taken, thread died)."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; ``port=0`` lets the OS pick a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every two-write response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _uvicorn_server(app: SandboxApp, sock: socket.socket) -> Any:
    import uvicorn

    class _Server(uvicorn.Server):
        """Stops on SIGINT/SIGTERM and then returns normally instead of re-raising the signal."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return

            def stop(sig: int, frame: FrameType | None) -> None:
                if self.should_exit:
                    self.force_exit = True
                self.should_exit = True

            previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for s, handler in previous.items():
                    signal.signal(s, handler)

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http="auto",
        loop="asyncio",
        timeout_keep_alive=30,
        backlog=2048,
    )
    return _Server(config)


@dataclass
class SandboxHandle:
    """A running sandbox: its URLs, key, and thin HTTP helpers for its control endpoints."""

    root_url: str
    api_key: str
    app: SandboxApp

    @property
    def base_url_template(self) -> str:
        return self.root_url + "/{routing}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        import httpx

        response = httpx.request(method, f"{self.root_url}/sandbox/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "stats")
        return result

    def truth(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "truth")
        return result

    def players(self, limit: int = 5) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", f"players?limit={limit}")["players"]
        return result

    def advance(self, seconds: float) -> float:
        return float(self._call("POST", "advance", {"seconds": seconds})["now"])

    def reset_stats(self) -> None:
        self._call("POST", "reset-stats")

    def now(self) -> float:
        return float(self._call("GET", "clock")["now"])


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.contextmanager
def serve_in_thread(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[SandboxHandle]:
    """Run a sandbox on a background thread for the duration of the ``with`` block."""
    config = config or SandboxConfig()
    app = SandboxApp(config)
    sock = bind(host, port)
    server = _uvicorn_server(app, sock)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)

    thread = threading.Thread(target=run, name="riotjobs-sandbox", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise SandboxStartError(f"sandbox server did not start: {failure or 'exited'}")
            thread.join(0.01)
        yield SandboxHandle(root_url=url_of(sock), api_key=config.api_key, app=app)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def serve_forever(
    config: SandboxConfig, *, host: str, port: int, announce: Callable[[str], None]
) -> None:
    """Run in the foreground until SIGINT/SIGTERM. ``announce`` gets the URL template once the
    league is built and the socket listens (before the first request can be answered)."""
    app = SandboxApp(config)
    sock = bind(host, port)
    try:
        server = _uvicorn_server(app, sock)
        announce(url_of(sock) + "/{routing}")
        server.run(sockets=[sock])
    finally:
        sock.close()
    log.info("sandbox stopped after %s requests", json.dumps(app.stats.total))
