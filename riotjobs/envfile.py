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
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(stripped)
        if match is None:
            raise ConfigError(f"{path}:{number}: not a KEY=value line (a comment starts with #)")
        key, value = match.group(1), match.group(2)
        values[key] = _value(value, path, number)
    return values


def _value(value: str, path: Path, number: int) -> str:
    if value[:1] in {'"', "'"}:
        quote = value[0]
        end = value.find(quote, 1)
        if end < 0:
            raise ConfigError(f"{path}:{number}: the value's closing {quote} is missing")
        rest = value[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            raise ConfigError(f"{path}:{number}: text after the quoted value")
        inner = value[1:end]
        return inner.replace("\\n", "\n") if quote == '"' else inner
    # An unquoted value ends at " #" (a trailing comment), as in shells and python-dotenv.
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()
