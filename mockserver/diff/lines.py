"""Where a JSON pointer sits in a YAML or JSON file: the line a CI annotation points at.

PyYAML's composer keeps each node's start mark; `line_index` composes the file once and
`LineIndex.line_of` walks the tree along a pointer to the line it starts on (a mapping entry's
line is its key's), else the line of the deepest ancestor found: a diff's pointers are into
the loaded document, where normalization (3.0 read as 3.1) may have put a node the file does
not have. Composing GitHub's 13 MB JSON description takes ~5 s, so a JSON file is instead
scanned by `json_lines` for the pointers asked (and their ancestors) only. Used only by the
CI formats (`mockserver.diff.ci`); a file that cannot be read or parsed has no lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from mockserver.spec import pointer as jp

__all__ = ["LineIndex", "json_lines", "line_index", "read_line_index"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class LineIndex:
    """A composed document, to find the line of a pointer in; ``root`` None: no lines."""

    root: yaml.Node | None
    known: dict[str, int] | None = None  # pointer -> line, from `json_lines`, instead of root

    def line_of(self, pointer: str) -> int | None:
        """The 1-based line of ``pointer``, else of its deepest ancestor in the file."""
        if self.known is not None:
            while pointer not in self.known and pointer:
                pointer = pointer.rsplit("/", 1)[0]
            return self.known.get(pointer)
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


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')


def json_lines(text: str, wanted: Iterable[str]) -> dict[str, int]:
    """The lines of the ``wanted`` pointers and their ancestors in the JSON document ``text``
    (a member's line is its key's, an item's its first string, object or array's; a number
    or literal item has its array's line); the pointers the text lacks left out. The values no
    wanted pointer goes into are skipped by the C decoder, not scanned token by token."""
    prefixes = {""}
    for pointer in wanted:
        while pointer not in prefixes:
            prefixes.add(pointer)
            pointer = pointer.rsplit("/", 1)[0]
    found: dict[str, int] = {}
    line, seen = 1, 0
    # Each open container: [its pointer, is an object, the next item's index, awaiting a key].
    stack: list[list[object]] = []
    child = ""  # the pointer of the value the next token starts
    skip = json.JSONDecoder().raw_decode
    position = 0
    while (match := _TOKEN.search(text, position)) is not None:
        token, at, position = match.group(), match.start(), match.end()
        top = stack[-1] if stack else None
        if top is not None and top[1] and top[3] and token[0] == '"':
            key = json.loads(token) if "\\" in token else token[1:-1]
            child = f"{top[0]}/{jp.escape(key)}"
            top[3] = False
        elif token == ",":
            if top is not None and top[1]:
                top[3] = True
                continue
            if top is not None:
                top[2] = int(str(top[2])) + 1
                child = f"{top[0]}/{top[2]}"
            continue  # the item starts at the next token
        elif token in "}]":
            stack.pop()
            continue
        elif token == ":":
            continue
        if child not in prefixes:
            if token in "{[":
                position = skip(text, at)[1]  # no pointer wanted inside: jump it at C speed
            continue
        if child not in found:
            line, seen = line + text.count("\n", seen, at), at
            found[child] = line
        if token == "{":
            stack.append([child, True, 0, True])
        elif token == "[":
            stack.append([child, False, 0, False])
            child = f"{child}/0"
    return found


def line_index(text: str, wanted: Iterable[str] = ()) -> LineIndex:
    """The `LineIndex` of the document ``text`` (YAML, or JSON: then of ``wanted`` only)."""
    if text.lstrip().startswith("{"):
        try:
            json.loads(text)
        except ValueError:
            return LineIndex(None)
        return LineIndex(None, json_lines(text, wanted))
    try:
        return LineIndex(yaml.compose(text, Loader=_Loader))
    except yaml.YAMLError:
        return LineIndex(None)


def read_line_index(path: str | Path, wanted: Iterable[str] = ()) -> LineIndex:
    """`line_index` of the file at ``path``; without lines when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return LineIndex(None)
    return line_index(text, wanted)
