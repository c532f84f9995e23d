"""Load a YAML file safely and remember the line of every key, so errors can name it.

PyYAML's safe loader still expands aliases: a 451-byte "billion laughs" document hung `check`
for minutes, a recursive alias or deep nesting ended in a traceback. Before anything is
constructed, this module walks the parser's events (no recursion) to bound nesting and refuse
Python tags, and then walks the composed node graph with a budget of nodes, counting every
alias expansion, so that a document is either small enough to validate or refused in one line.
The data is then constructed from that same node graph, with libyaml when PyYAML has it: the
file is scanned twice rather than three times, and every command reads jobs.yaml (B4, B5).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riotjobs.errors import ConfigError

if TYPE_CHECKING:  # imported when a file is parsed: a command served from the jobs cache never is
    import yaml

MAX_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_NODES = 20_000


def _loader() -> type[yaml.SafeLoader]:
    import yaml

    # PyYAML's wheels carry libyaml; a source build without it falls back to the Python parser.
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


Loc = tuple[str, ...]


def read_text(path: Path, what: str) -> str:
    """The file as text; unreadable, too large or invalid UTF-8 raise ``ConfigError``."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{path}: {what} is larger than 1 MiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: {what} is not valid UTF-8") from None


def load(path: Path, text: str) -> tuple[Any, dict[Loc, int], list[str]]:
    """The document, the 1-based line of every mapping key and sequence item, and the
    problems found on the way (duplicate keys), each as ``file:line: message``."""
    import yaml

    loader = _loader()(text)
    try:
        _screen(path, text)
        root = loader.get_single_node()
        if root is None:
            return None, {(): 1}, []
        lines: dict[Loc, int] = {(): root.start_mark.line + 1}
        problems: list[str] = []
        _walk(path, root, lines, problems)
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise _syntax(path, exc) from None
    finally:
        loader.dispose()
    return data, lines, problems


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of ``loc``, or of its nearest ancestor that has one."""
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)


def by_line(message: str) -> tuple[int, str]:
    """Sort key of ``file:line: message`` texts: by line, then text."""
    match = re.match(r".*?:(\d+): ", message)
    return (int(match.group(1)) if match else 0, message)


def _screen(path: Path, text: str) -> None:
    depth = 0
    import yaml

    for event in yaml.parse(text, Loader=_loader()):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(f"{path}:{line}: nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        tag = getattr(event, "tag", None)
        # The parser reports only tags written in the text; untagged nodes carry None.
        if tag is not None and not _standard(tag):
            raise ConfigError(
                f"{path}:{line}: the tag {tag[:60]!r} is not allowed (plain YAML only)"
            )


def _standard(tag: str) -> bool:
    kinds = ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
    return tag in {f"tag:yaml.org,2002:{kind}" for kind in kinds}


def _syntax(path: Path, exc: yaml.YAMLError) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return ConfigError(f"{path}:{line}: invalid YAML: {problem}")


def _walk(path: Path, root: yaml.Node, lines: dict[Loc, int], problems: list[str]) -> None:
    """Record lines and duplicate keys; refuse cycles and documents that expand past the
    node budget (aliases count once per use, which is what a consumer would see)."""
    import yaml

    budget = MAX_NODES
    stack: list[tuple[yaml.Node, Loc, frozenset[int]]] = [(root, (), frozenset())]
    while stack:
        node, loc, ancestors = stack.pop()
        budget -= 1
        if budget < 0:
            raise ConfigError(
                f"{path}:{node.start_mark.line + 1}: the document expands to more than "
                f"{MAX_NODES} values (aliases included)"
            )
        if id(node) in ancestors:
            raise ConfigError(f"{path}:{node.start_mark.line + 1}: an alias refers to itself")
        inner = ancestors | {id(node)}
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)[:200]
                line = key_node.start_mark.line + 1
                if key in seen:
                    problems.append(f"{path}:{line}: {'.'.join((*loc, key))}: duplicate key")
                seen.add(key)
                lines.setdefault((*loc, key), line)
                stack.append((value_node, (*loc, key), inner))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines.setdefault((*loc, str(index)), item.start_mark.line + 1)
                stack.append((item, (*loc, str(index)), inner))
