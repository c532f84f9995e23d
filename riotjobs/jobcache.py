"""A cache of validated jobs.yaml files, so that commands skip YAML and pydantic on a hit.

Every command reads jobs.yaml, and validating it costs more than a read command's query: the
YAML parser, pydantic and every task's config model (about 0.15 s). The cache holds the result
of one validation as JSON, under ``$XDG_CACHE_HOME/riotjobs/jobs`` (``~/.cache``), one file per
jobs file. An entry is used only when its key matches, and the key covers everything the result
depends on: the file's path and bytes, the default timeout, and a fingerprint of the code that
validates (the caller's; without one nothing is cached). Anything unexpected (a missing or
unwritable folder, a corrupt entry) means no cache, never an error: the file is validated as if
the cache did not exist.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

# Raised when the layout of a cached document changes.
FORMAT = 1


def folder() -> Path:
    """``$XDG_CACHE_HOME/riotjobs/jobs`` (``~/.cache/riotjobs/jobs`` when that is unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(base) / "riotjobs" / "jobs"


def key(*parts: str) -> str:
    digest = hashlib.sha256(str(FORMAT).encode())
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _entry(path: Path) -> Path:
    name = hashlib.sha256(str(path.absolute()).encode("utf-8", "surrogatepass")).hexdigest()
    return folder() / f"{name[:32]}.json"


def get(path: Path, wanted: str) -> dict[str, Any] | None:
    """The document cached for the jobs file ``path`` under the key ``wanted``, or None."""
    try:
        with _entry(path).open("rb") as handle:
            entry = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != wanted:
        return None
    doc = entry.get("doc")
    return doc if isinstance(doc, dict) else None


def put(path: Path, wanted: str, doc: dict[str, Any]) -> None:
    """Cache ``doc`` for the jobs file ``path`` under ``wanted``; silently not, if it cannot."""
    try:
        text = json.dumps({"key": wanted, "doc": doc}, allow_nan=False)
    except (TypeError, ValueError):  # a config value JSON cannot hold (a YAML date, say)
        return
    entry = _entry(path)
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, entry)  # readers see the old entry or the new one, never half of one
    except OSError:
        with contextlib.suppress(OSError):  # OSError again: the folder itself could not be made
            tmp.unlink(missing_ok=True)
