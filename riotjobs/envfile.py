"""Read the env file (``KEY=value`` lines) that holds riotjobs' secrets and settings.

python-dotenv, which pydantic-settings would use, printed a warning with no file name on every
cron run for a line it could not parse, raised a traceback for invalid UTF-8 or a file it may
not read, and skipped a directory silently. This reader refuses each of those with one
``ConfigError`` naming the file (and the line), and never opens anything but a regular file, so
a FIFO in its place cannot block a run.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from riotjobs.errors import ConfigError

MAX_BYTES = 1 << 20
_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def read(path: Path) -> dict[str, str]:
    """The variables the file sets. A missing file is no file; any other problem raises."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the env file: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ConfigError(f"{path}: the env file is {kind}; it must be a file of KEY=value lines")
    if info.st_size > MAX_BYTES:
        raise ConfigError(f"{path}: the env file is larger than 1 MiB")
    try:
        # O_NONBLOCK: should the path turn into a FIFO between stat and open, do not wait on it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the env file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: the env file is not valid UTF-8") from None
    return parse(text, path)


def parse(text: str, path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    # Lines end at \n (and \r\n) only: str.splitlines would also break at \x85 or U+2028,
    # which a value may hold.
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip(" \t\r")
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(stripped)
        if match is None:
            raise ConfigError(f"{path}:{number}: not a KEY=value line (a comment starts with #)")
        key, value = match.group(1), match.group(2)
        values[key] = _value(value, path, number)
    return values


def _value(value: str, path: Path, number: int) -> str:
    if value[:1] == "'":  # literal up to the next quote, as in shells
        end = value.find("'", 1)
        inner = value[1:end]
    elif value[:1] == '"':
        end, inner = _double_quoted(value)
    else:
        # An unquoted value ends at " #" (a trailing comment), as in shells and python-dotenv.
        return re.split(r"\s+#", value, maxsplit=1)[0].strip()
    if end < 0:
        raise ConfigError(f"{path}:{number}: the value's closing {value[0]} is missing")
    rest = value[end + 1 :].strip()
    if rest and not rest.startswith("#"):
        raise ConfigError(f"{path}:{number}: text after the quoted value")
    return inner


def _double_quoted(value: str) -> tuple[int, str]:
    """The closing quote's index (-1: none) and the text inside: ``\\``, ``\"`` and ``\n``
    are escapes (as in python-dotenv and docker compose); any other backslash stays."""
    out: list[str] = []
    i = 1
    while i < len(value):
        ch = value[i]
        if ch == '"':
            return i, "".join(out)
        if ch == "\\" and i + 1 < len(value) and value[i + 1] in ESCAPES:
            out.append(ESCAPES[value[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    return -1, ""


ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


def quote(value: str) -> str:
    """``value`` as this reader reads it back exactly: single-quoted when it has no single
    quote, else double-quoted with escapes. Control characters cannot be written."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("contains a control character")
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
