"""Check a ``RIOTJOBS_DATABASE_URL`` before anything connects with it, and mask its password.

libpq, SQLAlchemy and psycopg each parse a URL their own way, and their errors for a typo were
tracebacks, or echoed the URL (password included). Checking the URL once, up front, turns every
typo into one configuration error (exit 78) whose wording never contains the user name's
password or any other part of the URL's credentials.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

SCHEMES = ("postgresql+psycopg://", "postgresql://", "postgres://")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# libpq's connection keywords (PostgreSQL 16-18); a query parameter outside this set is a typo
# that libpq would reject at connect time with a message quoting the URL.
_KEYWORDS = """host hostaddr port dbname user password passfile require_auth channel_binding
    connect_timeout client_encoding options application_name fallback_application_name
    keepalives keepalives_idle keepalives_interval keepalives_count tcp_user_timeout
    replication gssencmode sslmode requiressl sslnegotiation sslcompression sslcert sslkey
    sslkeylogfile sslpassword sslcertmode sslrootcert sslcrl sslcrldir sslsni
    requirepeer ssl_min_protocol_version ssl_max_protocol_version krbsrvname gsslib
    gssdelegation service target_session_attrs load_balance_hosts max_protocol_version
    min_protocol_version scram_client_key scram_server_key oauth_issuer oauth_client_id
    oauth_client_secret oauth_scope"""
LIBPQ_KEYWORDS = frozenset(_KEYWORDS.split())
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_INT_KEYWORDS = ("connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                 "keepalives_count", "tcp_user_timeout")  # fmt: skip


class DatabaseURLError(ValueError):
    """The URL is malformed. The message quotes no part of the URL's user info."""


def check(url: str) -> str:
    """Return ``url`` unchanged if libpq and SQLAlchemy will both read it as meant; otherwise
    raise ``DatabaseURLError`` saying what to fix."""
    if not url.strip():
        raise DatabaseURLError(
            "is empty: unset it to use the embedded database, or give "
            "postgresql://USER:PASSWORD@HOST:PORT/DBNAME"
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise DatabaseURLError("contains a control character (a newline, tab or NUL)")
    scheme = next((s for s in SCHEMES if url.startswith(s)), None)
    if scheme is None:
        shown = url.split("://", 1)[0][:30] + "://" if "://" in url else "no scheme"
        raise DatabaseURLError(
            f"must start with postgresql:// (got {shown}); riotjobs stores everything in Postgres"
        )
    netloc, path, query = _parts(url[len(scheme) :])
    if "@" in path or "@" in query.split("password=", 1)[0]:
        raise DatabaseURLError(
            "has an '@' after a '/' or '?': percent-encode '/', '?' and '@' in the user name "
            "or password (%2F, %3F, %40)"
        )
    userinfo, at, hosts = netloc.rpartition("@")
    if at and "@" in userinfo:
        raise DatabaseURLError(
            "has more than one '@' before the host: percent-encode an '@' in the user name or "
            "password as %40"
        )
    if _BAD_ESCAPE.search(userinfo):
        raise DatabaseURLError("has a '%' in the user name or password that is not a %XX escape")
    if "\x00" in unquote(userinfo):
        raise DatabaseURLError("the user name or password contains an escaped NUL (%00)")
    if _BAD_ESCAPE.search(hosts + "/" + path + "?" + query):
        raise DatabaseURLError("has a '%' that is not a %XX escape (write a literal % as %25)")
    if "%00" in (hosts + path + query):
        raise DatabaseURLError("contains an escaped NUL (%00)")
    _check_hosts(hosts)
    _check_query(query)
    return url


def _parts(rest: str) -> tuple[str, str, str]:
    """Split what follows the scheme into user info and hosts, path, and query."""
    match = re.match(r"([^/?]*)(/[^?]*)?(?:\?(.*))?$", rest, re.DOTALL)
    assert match is not None  # the pattern matches every string
    return match.group(1), match.group(2) or "", match.group(3) or ""


def _check_hosts(hosts: str) -> None:
    for host in hosts.split(",") if hosts else []:
        name, port = _split_port(host)
        if port is None:
            continue
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise DatabaseURLError(
                f"has an invalid port {port[:20]!r} for host {name[:60]!r}: a number 1-65535"
            )


def _split_port(host: str) -> tuple[str, str | None]:
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            raise DatabaseURLError(f"has an IPv6 host {host[:60]!r} without its closing ']'")
        after = host[end + 1 :]
        if after and not after.startswith(":"):
            raise DatabaseURLError(f"has text after the IPv6 host {host[:60]!r}")
        return host[: end + 1], after[1:] if after else None
    if "]" in host:
        raise DatabaseURLError(f"has a ']' without '[' in host {host[:60]!r}")
    name, colon, port = host.partition(":")
    return name, port if colon else None


def _check_query(query: str) -> None:
    for pair in query.split("&") if query else []:
        key, eq, value = pair.partition("=")
        key = unquote(key)
        if not eq:
            raise DatabaseURLError(f"has a query parameter {key[:40]!r} without '=value'")
        if key not in LIBPQ_KEYWORDS:
            raise DatabaseURLError(
                f"has an unknown parameter {key[:40]!r} (libpq connection keywords only, "
                "e.g. sslmode, connect_timeout, application_name)"
            )
        if key == "password":
            continue
        value = unquote(value)
        if key == "sslmode" and value not in SSLMODES:
            raise DatabaseURLError(
                f"has sslmode={value[:20]!r}; choose one of {', '.join(SSLMODES)}"
            )
        if key in _INT_KEYWORDS and not value.lstrip("-").isdigit():
            raise DatabaseURLError(f"has {key}={value[:20]!r}; it must be a whole number")
        if key == "port":
            for port in value.split(","):
                if not port.isdigit() or not 0 < int(port) < 65536:
                    raise DatabaseURLError(f"has port={port[:20]!r}: a number 1-65535")


def masked(url: str) -> str:
    """The URL with its password replaced by ``***`` (also a ``password=`` parameter)."""
    scheme = next((s for s in SCHEMES if url.startswith(s)), "")
    netloc, path, query = _parts(url[len(scheme) :])
    if "@" in path + query:
        # An unencoded '/' or '?' in the password: hide everything up to the last '@'.
        tail = (path + ("?" + query if query else "")).rpartition("@")[2]
        return f"{scheme}***@{tail}"
    userinfo, at, hosts = netloc.rpartition("@")
    if at:
        userinfo = userinfo.split(":", 1)[0] + (":***" if ":" in userinfo else "")
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", query)
    return f"{scheme}{userinfo}{at}{hosts}{path}{'?' + query if query else ''}"
