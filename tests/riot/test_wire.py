"""The HTTP/1.1 wire under every RiotClient (``riotjobs.riot._wire``), against real local servers:
what it sends and returns, connection reuse, and each failure as httpx's error tree."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from riotjobs.riot._wire import WireTransport


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the handler says otherwise
    server: _Server

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers), self.client_address[1]))
        if self.path.startswith("/slow"):
            time.sleep(1.0)
        if self.path.startswith("/hangup"):
            self.close_connection = True
            return  # closes without a status line
        body = json.dumps({"path": self.path}).encode()
        if self.path.startswith("/gzip"):
            body = gzip.compress(body)
        self.send_response(429 if self.path.startswith("/limited") else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Rate-Limit-Count", "1:1")
        self.send_header("Set-Cookie", "a=1")
        self.send_header("Set-Cookie", "b=2")
        if self.path.startswith("/gzip"):
            self.send_header("Content-Encoding", "gzip")
        if self.path.startswith("/chunked"):
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (body[:5], body[5:]):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path.startswith("/close"):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, dict[str, str], int]] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (the close test) is not this server's problem

    @property
    def url(self) -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _client(**kwargs: Any) -> httpx.Client:
    transport = WireTransport(**kwargs)
    return httpx.Client(transport=transport, timeout=httpx.Timeout(0.5), headers={"A": "b"})


def test_a_get_sends_path_query_and_headers_and_returns_every_header(server: _Server) -> None:
    with _client() as client:
        response = client.get(f"{server.url}/lol/x", params={"count": 5, "queue": 420})
    assert response.status_code == 200
    assert response.json() == {"path": "/lol/x?count=5&queue=420"}
    assert response.headers["x-rate-limit-count"] == "1:1"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.http_version == "HTTP/1.1" and response.reason_phrase == "OK"
    _, headers, _ = server.seen[0]
    assert headers["Host"] == server.url.removeprefix("http://")
    assert headers["A"] == "b"


def test_a_429_is_a_response_not_an_error(server: _Server) -> None:
    with _client() as client:
        assert client.get(f"{server.url}/limited").status_code == 429


def test_a_connection_is_reused_and_one_the_server_closed_is_not(server: _Server) -> None:
    with _client() as client:
        for path in ("/a", "/b", "/close", "/c", "/d"):
            assert client.get(server.url + path).json() == {"path": path}
    ports = [port for _, _, port in server.seen]
    # /a, /b and /close share one connection; the server closed it, so /c opens a new one.
    assert ports[0] == ports[1] == ports[2] != ports[3] == ports[4]


def test_an_idle_connection_the_server_dropped_is_replaced_not_written_to(
    server: _Server,
) -> None:
    transport = WireTransport()
    with httpx.Client(transport=transport, timeout=2) as client:
        client.get(f"{server.url}/a")
        ((conn,),) = transport._idle.values()
        assert conn.sock is not None
        conn.sock.shutdown(socket.SHUT_RD)  # what a server's close looks like from here: EOF
        assert client.get(f"{server.url}/b").json() == {"path": "/b"}
    assert len({port for _, _, port in server.seen}) == 2


def test_gzip_and_chunked_bodies_come_out_decoded(server: _Server) -> None:
    with _client() as client:
        assert client.get(f"{server.url}/gzip").json() == {"path": "/gzip"}
        assert client.get(f"{server.url}/chunked").json() == {"path": "/chunked"}


def test_no_more_idle_connections_are_kept_than_max_idle(server: _Server) -> None:
    transport = WireTransport(max_idle=2)
    with httpx.Client(transport=transport, timeout=5) as client:
        barrier = threading.Barrier(4)

        def one(i: int) -> None:
            barrier.wait()
            client.get(f"{server.url}/slow{i}")

        threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(len(idle) for idle in transport._idle.values()) == 2
    assert transport._idle == {}  # closing the client closes the idle connections


def test_failures_are_httpx_transport_errors(server: _Server) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    with _client() as client:
        with pytest.raises(httpx.ConnectError):
            client.get(f"http://127.0.0.1:{closed}/x")
        with pytest.raises(httpx.ReadTimeout):
            client.get(f"{server.url}/slow")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"{server.url}/hangup")
        with pytest.raises(httpx.UnsupportedProtocol):
            client.get("ftp://127.0.0.1/x")
        # After all that, the same client still works.
        assert client.get(f"{server.url}/ok").status_code == 200


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[_Server, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    srv = _Server()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv.socket = context.wrap_socket(srv.socket, server_side=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, cert
    srv.shutdown()
    srv.server_close()


def test_https_verifies_the_certificate(tls_server: tuple[_Server, Path]) -> None:
    server, cert = tls_server
    trusting = ssl.create_default_context(cafile=str(cert))
    with _client(ssl_context=trusting) as client:
        assert client.get(f"{server.url}/tls").json() == {"path": "/tls"}
        assert client.get(f"{server.url}/again").status_code == 200
    assert len({port for _, _, port in server.seen}) == 1  # one handshake for both
    with (
        _client(ssl_context=ssl.create_default_context()) as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.get(f"{server.url}/tls")


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_behind_a_proxy_the_client_keeps_httpx_own_transport(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riotjobs.riot import RiotClient

    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)

    def wire_of(routing: str) -> tuple[httpx.BaseTransport, int]:
        client = RiotClient(
            api_key="RGAPI-test", base_url="https://{routing}.example", db_url="postgresql:///x"
        )
        try:
            http = client._http.for_routing(routing)
            assert http is not None
            return http._transport, len(http._mounts)
        finally:
            client.close()

    direct, mounts = wire_of("americas")
    assert isinstance(direct, WireTransport) and mounts == 0
    monkeypatch.setenv(variable, "http://127.0.0.1:3128")
    proxied, mounts = wire_of("europe")
    # httpx's transport, with the proxy mounted from the environment (NO_PROXY included).
    assert not isinstance(proxied, WireTransport) and mounts > 0


def test_closing_the_transport_ends_a_request_waiting_for_its_answer(server: _Server) -> None:
    """The run's watchdog closes the client at the deadline: a thread waiting on a slow answer
    fails then, not at its read timeout."""
    transport = WireTransport()
    client = httpx.Client(transport=transport, timeout=30)
    failed: list[BaseException] = []

    def wait_for_answer() -> None:
        try:
            client.get(f"{server.url}/slow")
        except httpx.TransportError as exc:
            failed.append(exc)

    thread = threading.Thread(target=wait_for_answer)
    thread.start()
    while not server.seen:  # the request is out and its thread waits in recv
        time.sleep(0.01)
    transport.close()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert len(failed) == 1 and isinstance(failed[0], httpx.ReadError | httpx.RemoteProtocolError)
    client.close()


def test_a_closed_riot_client_sends_nothing_more(server: _Server) -> None:
    """The watchdog closes the run's client at its deadline (or on a signal or a cancel). A
    retry, or the next item of a batch, must then fail at once and stop the batch, not open a
    new connection and wait out its read timeout past the deadline."""
    from riotjobs.riot import RiotClient
    from riotjobs.riot.errors import RateLimitBudgetExhausted

    client = RiotClient(
        api_key="RGAPI-test", base_url=server.url + "/{routing}", db_url="postgresql:///x"
    )
    client.close()
    with pytest.raises(RateLimitBudgetExhausted, match="the run is stopping"):
        client.match("NA1_1", platform="na1")
    assert server.seen == []
