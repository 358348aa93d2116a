"""Where a JSON pointer sits in a YAML or JSON file: the line a CI annotation points at.

PyYAML's composer keeps each node's start mark; `line_index` walks the composed tree once and
records the line of every pointer (a mapping entry's line is its key's). `line_of` answers a
pointer's line, else its nearest ancestor's: a diff's pointers are into the loaded document,
where normalization (3.0 read as 3.1) may have put a node the file does not have. Used only by
the CI formats (`mockserver.diff.ci`); a file that cannot be read or parsed has no lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from mockserver.spec import pointer as jp

__all__ = ["line_index", "line_of", "read_line_index"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def line_index(text: str) -> dict[str, int]:
    """Every JSON pointer of the document ``text`` -> the 1-based line it starts on."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    stack: list[tuple[yaml.Node, str, int]] = [] if root is None else [(root, "", 0)]
    while stack:
        node, pointer, line = stack.pop()
        lines[pointer] = line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = jp.escape(str(key.value))
                stack.append((value, f"{pointer}/{name}", key.start_mark.line))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, f"{pointer}/{index}", item.start_mark.line))
    return lines


def read_line_index(path: str | Path) -> dict[str, int]:
    """`line_index` of the file at ``path``; empty when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return line_index(text)


def line_of(lines: Mapping[str, int], pointer: str) -> int | None:
    """The line of ``pointer``, else of its nearest ancestor there; None without lines."""
    while True:
        if pointer in lines:
            return lines[pointer]
        if not pointer:
            return None
        pointer = pointer.rsplit("/", 1)[0]
