"""The HTTP/1.1 exchange under every ``RiotClient`` request: an ``httpx`` transport over the
standard library's ``http.client``, with its own pool of keep-alive connections.

Why not httpx's own transport: httpcore and h11 parse every response in Python. Fetching the
sandbox's match documents from 16 threads per region (four regions, one 2.8 GHz core's worth
of interpreter), httpx's transport spent 1.7-2.6 ms of CPU per request and ``http.client``
(whose socket reads and header splitting are mostly C) 0.5-0.7 ms. Every thread of a run
shares one interpreter, so that CPU is time taken from the thread whose response opens the
next rate-limit window (B8 in ``make bench`` prints the whole process's figure). Everything
above the wire stays httpx: the client, auth, timeouts, decoding, and ``httpx.MockTransport``
in tests.

Behind a proxy (``HTTPS_PROXY``, ``HTTP_PROXY`` or ``ALL_PROXY`` in the environment) the
client keeps httpx's own transport, which honours them and ``NO_PROXY``: httpx ignores the
environment's proxies once it is handed a transport (``behind_proxy``).

What it keeps from httpcore: an idle connection is checked before reuse (a server that closed
it leaves it readable, and it is dropped, never written to), and nothing is retried here: a
request that may have reached Riot has cost a slot, so retrying is the limiter's and the
requester's business. Errors map onto httpx's tree (``ConnectError``, ``ReadTimeout``,
``RemoteProtocolError`` ...), all ``httpx.TransportError``.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import httpx

Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}


class WireTransport(httpx.BaseTransport):
    """HTTP/1.1 over ``http.client``; keeps up to ``max_idle`` idle connections per origin.
    Thread-safe: a connection serves one request at a time."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, max_idle: int = 16) -> None:
        self._ssl_context = ssl_context
        self._max_idle = max(0, max_idle)
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._busy: set[http.client.HTTPConnection] = set()
        self._lock = threading.Lock()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}", request=request)
        origin = (scheme, url.host, url.port or _DEFAULT_PORTS[scheme])
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        body = request.read()
        conn = self._checkout(origin, timeouts, request)
        with self._lock:
            self._busy.add(conn)
        try:
            with _mapped(request, "write"):
                conn.putrequest(
                    request.method,
                    url.raw_path.decode("ascii"),
                    skip_host=True,  # httpx's headers carry Host and Accept-Encoding
                    skip_accept_encoding=True,
                )
                for name, value in request.headers.raw:
                    conn.putheader(name.decode("latin-1"), value.decode("latin-1"))
                conn.endheaders(body or None)
            with _mapped(request, "read"):
                answer = conn.getresponse()
                content = answer.read()  # de-chunked; decoding is httpx's (Content-Encoding)
        except BaseException:
            conn.close()
            raise
        finally:
            with self._lock:
                self._busy.discard(conn)
        if answer.will_close:
            conn.close()
        else:
            self._checkin(origin, conn)
        return httpx.Response(
            answer.status,
            headers=answer.getheaders(),
            stream=httpx.ByteStream(content),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (answer.reason or "").encode("latin-1", "replace"),
            },
        )

    def close(self) -> None:
        """Close every connection. A request still waiting for its answer fails at once with a
        ``ReadError`` (its socket is shut down) instead of running into its read timeout: the
        run's watchdog closes the client to unwind the task at its deadline."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
            busy = list(self._busy)
        for conn in busy:
            if conn.sock is not None:
                with suppress(OSError):  # already closed by its thread
                    conn.sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def _checkout(
        self, origin: Origin, timeouts: dict[str, float | None], request: httpx.Request
    ) -> http.client.HTTPConnection:
        read_timeout = timeouts.get("read")
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                conn = idle.pop() if idle else None
            if conn is None:
                break
            if conn.sock is not None and not _readable(conn.sock):
                conn.sock.settimeout(read_timeout)
                return conn
            conn.close()  # the server closed it (or sent what nobody asked for): never reuse
        scheme, host, port = origin
        connect_timeout = timeouts.get("connect")
        if scheme == "https":
            if self._ssl_context is None:  # built once: it loads the CA bundle
                self._ssl_context = httpx.create_ssl_context()
            conn = http.client.HTTPSConnection(
                host, port, timeout=connect_timeout, context=self._ssl_context
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        with _mapped(request, "connect"):
            try:
                conn.connect()
            except BaseException:
                conn.close()
                raise
        assert conn.sock is not None
        conn.sock.settimeout(read_timeout)
        return conn

    def _checkin(self, origin: Origin, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if not self._closed and len(idle) < self._max_idle:
                idle.append(conn)
                return
        conn.close()


def behind_proxy() -> bool:
    """Whether the environment names a proxy for HTTP or HTTPS (the variables httpx reads)."""
    from urllib.request import getproxies

    return any(getproxies().get(scheme) for scheme in ("https", "http", "all"))


def _readable(sock: socket.socket) -> bool:
    """An idle keep-alive socket with something to read has been closed by its server."""
    try:
        ready, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)


_TIMEOUTS: dict[str, type[httpx.TimeoutException]] = {
    "connect": httpx.ConnectTimeout,
    "write": httpx.WriteTimeout,
    "read": httpx.ReadTimeout,
}
_ERRORS: dict[str, type[httpx.TransportError]] = {
    "connect": httpx.ConnectError,
    "write": httpx.WriteError,
    "read": httpx.ReadError,
}


@contextmanager
def _mapped(request: httpx.Request, phase: str) -> Iterator[None]:
    """Standard-library failures of one phase as httpx's ``TransportError`` tree."""
    try:
        yield
    except TimeoutError as exc:  # socket.timeout is an alias
        raise _TIMEOUTS[phase](f"{phase} timed out", request=request) from exc
    except (http.client.HTTPException, ssl.SSLError) as exc:
        if phase == "connect":  # a TLS handshake or certificate failure
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}", request=request) from exc
        message = f"{type(exc).__name__}: {exc}"
        raise httpx.RemoteProtocolError(message, request=request) from exc
    except OSError as exc:
        raise _ERRORS[phase](f"{type(exc).__name__}: {exc}", request=request) from exc
