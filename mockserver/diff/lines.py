"""Where a JSON pointer sits in a YAML or JSON file: the line a CI annotation points at.

PyYAML's composer keeps each node's start mark; `line_index` composes the file once and
`LineIndex.line_of` walks the tree along a pointer to the line it starts on (a mapping entry's
line is its key's), else the line of the deepest ancestor found: a diff's pointers are into
the loaded document, where normalization (3.0 read as 3.1) may have put a node the file does
not have. Used only by the CI formats (`mockserver.diff.ci`); a file that cannot be read or
parsed has no lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from mockserver.spec import pointer as jp

__all__ = ["LineIndex", "line_index", "read_line_index"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class LineIndex:
    """A composed document, to find the line of a pointer in; ``root`` None: no lines."""

    root: yaml.Node | None

    def line_of(self, pointer: str) -> int | None:
        """The 1-based line of ``pointer``, else of its deepest ancestor in the file."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line
        for token in jp.split(pointer) if pointer else ():
            found = _child(node, token)
            if found is None:
                break
            line, node = found
        return line + 1


def _child(node: yaml.Node, token: str) -> tuple[int, yaml.Node] | None:
    """The line and the node ``token`` names under ``node``, if there is one."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == token:
                return key.start_mark.line, value
    elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
        item = node.value[int(token)]
        return item.start_mark.line, item
    return None


def line_index(text: str) -> LineIndex:
    """The `LineIndex` of the document ``text`` (YAML or JSON)."""
    try:
        return LineIndex(yaml.compose(text, Loader=_Loader))
    except yaml.YAMLError:
        return LineIndex(None)


def read_line_index(path: str | Path) -> LineIndex:
    """`line_index` of the file at ``path``; without lines when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return LineIndex(None)
    return line_index(text)
