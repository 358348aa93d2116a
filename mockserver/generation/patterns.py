"""Random strings that match a regular expression, built by walking Python's regex parse tree."""

from __future__ import annotations

import importlib
import random
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Final

from mockserver.spec.regex import python_pattern

__all__ = ["parse_regex", "random_match"]

# re._parser is private, but the public alias sre_parse warns on import since Python 3.11
# (warnings are errors here); the parse tree is the same in 3.11-3.13.
_sre: Any = importlib.import_module("re._parser")
_PRINTABLE: Final = tuple(chr(c) for c in range(33, 127))
_CATEGORIES: Final = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_NOT_DIGIT": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_",
    "CATEGORY_WORD": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    "CATEGORY_NOT_WORD": "-.,:;!@# ",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "abcdefghijklmnopqrstuvwxyz0123456789",
}


@lru_cache(maxsize=1024)
def parse_regex(pattern: str) -> tuple[str, Any] | None:
    """Parse an ECMA-262 pattern as Python reads it (`python_pattern`), or None if unsupported."""
    python = python_pattern(pattern)
    if python is None:
        return None
    try:
        return python, _sre.parse(python)
    except (re.error, RecursionError, OverflowError):
        return None


def _pick_in(items: Sequence[tuple[Any, Any]], rng: random.Random) -> str:
    """One character from a character class such as ``[^a-z\\d]``."""
    if items and str(items[0][0]) == "NEGATE":
        pool = [c for c in _PRINTABLE if not any(_in_item(c, op, arg) for op, arg in items[1:])]
        return rng.choice(pool) if pool else "~"
    op, arg = rng.choice(items)
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "RANGE":
        return chr(rng.randint(arg[0], arg[1]))
    return rng.choice(_CATEGORIES.get(str(arg), "a"))


def _in_item(char: str, op: Any, arg: Any) -> bool:
    name = str(op)
    if name == "LITERAL":
        return bool(ord(char) == arg)
    if name == "RANGE":
        return bool(arg[0] <= ord(char) <= arg[1])
    return char in _CATEGORIES.get(str(arg), "")


def _emit(tree: Any, rng: random.Random, cap: int, groups: dict[int, str], out: list[str]) -> None:
    """Append a random string matching the parsed regex ``tree`` to ``out``."""
    for op, arg in tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif name == "ANY":
            out.append(rng.choice(_CATEGORIES["CATEGORY_WORD"]))
        elif name == "IN":
            out.append(_pick_in(arg, rng))
        elif name == "BRANCH":
            _emit(rng.choice(arg[1]), rng, cap, groups, out)
        elif name == "SUBPATTERN":
            start = len(out)
            _emit(arg[3], rng, cap, groups, out)
            if arg[0] is not None:
                groups[arg[0]] = "".join(out[start:])
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            for _ in range(rng.randint(low, max(low, min(high, low + cap)))):
                _emit(sub, rng, cap, groups, out)
        elif name == "GROUPREF":
            out.append(groups.get(arg, ""))
        elif name == "ATOMIC_GROUP":
            _emit(arg, rng, cap, groups, out)
        elif name == "GROUPREF_EXISTS":
            branch = arg[1] if arg[0] in groups else arg[2]
            if branch is not None:
                _emit(branch, rng, cap, groups, out)
        # AT (anchors), ASSERT and ASSERT_NOT (lookaround) emit nothing; re.search checks them.


def random_match(
    pattern: str, rng: random.Random, min_length: int, max_length: int | None
) -> str | None:
    """A string matching ``pattern`` (as ``re.search`` does) within the length bounds."""
    parsed = parse_regex(pattern)
    if parsed is None:
        return None
    python, tree = parsed
    cap = rng.randint(1, 6)
    for _ in range(24):
        out: list[str] = []
        try:
            _emit(tree, rng, cap, {}, out)
        except (IndexError, ValueError):  # an empty negated class or branch
            return None
        text = "".join(out)
        if len(text) < min_length:
            # Unanchored patterns stay matched when padded; anchored ones need more repeats.
            padded = text + "a" * (min_length - len(text))
            if (max_length is None or len(padded) <= max_length) and re.search(python, padded):
                return padded
            cap = cap * 2 + min_length
            continue
        if max_length is not None and len(text) > max_length:
            cap = max(0, cap // 2 - 1)
            continue
        if re.search(python, text):
            return text
    return None
