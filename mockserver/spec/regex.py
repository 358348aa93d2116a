"""ECMA-262 patterns, which JSON Schema's ``pattern`` is, as Python's ``re`` reads them.

Validation runs on jsonschema-rs, whose regex engine reads ECMA-262 with Unicode property
escapes. Generation and lint read patterns with Python's ``re``, which knows neither
``\\p{...}`` nor ``(?<name>...)``: `python_pattern` rewrites them. ``\\p{L}``, ``\\P{C}``,
``\\p{Lu}``, ``\\p{gc=Nd}``, ``\\p{Letter}`` become classes of the code points of those general
categories (computed from `unicodedata` once per category); ``\\p{Script=Greek}`` and the
binary properties the standard library cannot tell (``\\p{Alphabetic}``, ``\\p{Emoji}``) are
approximated by character names and categories, good enough to generate matching strings,
which the real validator checks anyway.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

import jsonschema_rs

__all__ = ["is_ecma_regex", "python_pattern"]

_CATEGORY_NAMES = {
    "letter": "L", "cased_letter": "LC", "uppercase_letter": "Lu", "lowercase_letter": "Ll",
    "titlecase_letter": "Lt", "modifier_letter": "Lm", "other_letter": "Lo", "mark": "M",
    "combining_mark": "M", "nonspacing_mark": "Mn", "spacing_mark": "Mc", "enclosing_mark": "Me",
    "number": "N", "decimal_number": "Nd", "digit": "Nd", "letter_number": "Nl",
    "other_number": "No", "punctuation": "P", "punct": "P", "connector_punctuation": "Pc",
    "dash_punctuation": "Pd", "open_punctuation": "Ps", "close_punctuation": "Pe",
    "initial_punctuation": "Pi", "final_punctuation": "Pf", "other_punctuation": "Po",
    "symbol": "S", "math_symbol": "Sm", "currency_symbol": "Sc", "modifier_symbol": "Sk",
    "other_symbol": "So", "separator": "Z", "space_separator": "Zs", "line_separator": "Zl",
    "paragraph_separator": "Zp", "other": "C", "control": "Cc", "cntrl": "Cc", "format": "Cf",
    "surrogate": "Cs", "private_use": "Co", "unassigned": "Cn",
}  # fmt: skip
# Binary properties, approximated by general categories.
_BINARY = {
    "alphabetic": ("L", "Nl"), "alpha": ("L", "Nl"), "uppercase": ("Lu",),
    "lowercase": ("Ll",), "white_space": ("Zs", "Zl", "Zp"), "space": ("Zs", "Zl", "Zp"),
    "any": ("L", "M", "N", "P", "S", "Z", "C"), "ascii": (),
    "assigned": ("L", "M", "N", "P", "S", "Z"),
    "emoji": ("So",), "extended_pictographic": ("So",), "ideographic": ("Lo",),
}  # fmt: skip
# Script names as the Unicode character names start (e.g. "GREEK SMALL LETTER ALPHA").
_SCRIPT_WORDS = {
    "han": "CJK", "hani": "CJK", "latn": "LATIN", "grek": "GREEK", "cyrl": "CYRILLIC",
    "arab": "ARABIC", "hebr": "HEBREW", "hira": "HIRAGANA", "kana": "KATAKANA", "hang": "HANGUL",
    "thai": "THAI", "deva": "DEVANAGARI", "armn": "ARMENIAN", "geor": "GEORGIAN",
}  # fmt: skip
# An escape to keep as it is (group 1 unset), \p{...}/\P{...}, a named group, \u{...}, or $.
_ESCAPE = re.compile(
    r"\\[^pPu]|\\([pP])\{([^{}]*)\}|\(\?<(?=[A-Za-z_])|\\u\{([0-9A-Fa-f]{1,6})\}|\$"
)
_SET_OPERATIONS = ("||", "&&", "~~", "--")
_MARKERS = ("\\p", "\\P", "(?<", "\\u{", "$", "[", *_SET_OPERATIONS)
_IN_CLASS = re.compile(r"\\.|\[|\]")


def is_ecma_regex(pattern: str) -> bool:
    """Whether a JSON Schema validator can compile ``pattern`` (ECMA-262, Unicode mode)."""
    return _compiles(pattern)


@functools.lru_cache(maxsize=4096)
def _compiles(pattern: str) -> bool:
    # The validator's engine decides: a pattern it cannot compile (``\S{1,8192}`` is over the
    # Rust regex size limit) would fail every schema around it, even where Python reads it.
    try:
        jsonschema_rs.validator_for({"pattern": pattern})
    except (jsonschema_rs.ValidationError, ValueError):
        return False
    return True


@functools.lru_cache(maxsize=4096)
def python_pattern(pattern: str) -> str | None:
    """``pattern`` rewritten for Python's ``re``; None when Python cannot read it even then."""
    try:
        translated = _translate(pattern)
        re.compile(translated)
    except (re.error, ValueError, RecursionError, OverflowError):
        return None
    return translated


def _translate(pattern: str) -> str:
    if not any(marker in pattern for marker in _MARKERS):
        return pattern
    out: list[str] = []
    last = 0
    for found in _ESCAPE.finditer(pattern):
        out.append(_literal_gap(pattern, last, found.start()))
        last = found.end()
        text = found.group(0)
        if text == "$":
            # ECMA's $ (without the m flag) is the end of the input; Python's also matches
            # before a final newline.
            out.append(text if _inside_class(pattern, found.start()) else r"\Z")
        elif found.group(1) is None and text.startswith("\\") and not text.startswith("\\u{"):
            out.append(text)
        elif text.startswith("(?<"):
            out.append("(?P<")
        elif found.group(3) is not None:
            out.append(re.escape(chr(int(found.group(3), 16))))
        else:
            ranges = _property_ranges(found.group(2))
            inside = _inside_class(pattern, found.start())
            negate = found.group(1) == "P"
            if inside:
                if negate:
                    raise ValueError("a negated property escape inside a class is not translated")
                out.append(ranges)
            else:
                out.append(f"[{'^' if negate else ''}{ranges}]")
    out.append(_literal_gap(pattern, last, len(pattern)))
    return "".join(out)


def _literal_gap(pattern: str, start: int, end: int) -> str:
    """``pattern[start:end]`` (it holds no escape) with what Python reads as a set operation
    inside a class escaped: in ECMA's Unicode mode ``[a||b]`` is a class holding ``|``."""
    gap = pattern[start:end]
    if "[" not in gap and not any(pair in gap for pair in _SET_OPERATIONS):
        return gap
    out: list[str] = []
    inside = _inside_class(pattern, start)
    for index, char in enumerate(gap):
        doubled = char in "|&~-" and (
            gap[index - 1 : index] == char or gap[index + 1 : index + 2] == char
        )
        if inside and (char == "[" or doubled):
            out.append("\\" + char)
            continue
        if char == "[":
            inside = True
        elif char == "]":
            inside = False
        out.append(char)
    return "".join(out)


def _inside_class(pattern: str, index: int) -> bool:
    depth = 0
    for token in _IN_CLASS.finditer(pattern, 0, index):
        if token.group(0) == "[":
            depth = 1
        elif token.group(0) == "]":
            depth = 0
    return depth > 0


def _property_ranges(name: str) -> str:
    key, _, value = name.partition("=")
    key, value = key.strip().lower(), value.strip()
    if value and key in ("gc", "general_category"):
        return _categories_class(_category(value))
    if value and key in ("sc", "script", "scx", "script_extensions"):
        return _script_class(value)
    if value:
        raise ValueError(f"unknown property {name!r}")
    lowered = key.replace(" ", "_").replace("-", "_")
    if lowered in _BINARY:
        categories = _BINARY[lowered]
        return _categories_class(categories) if categories else "\\x00-\\x7f"
    return _categories_class(_category(name.strip()))


def _category(value: str) -> tuple[str, ...]:
    if len(value) <= 2 and value[:1].isupper():
        return ("Lu", "Ll", "Lt") if value == "LC" else (value,)
    found = _CATEGORY_NAMES.get(value.lower().replace(" ", "_").replace("-", "_"))
    if found is None:
        raise ValueError(f"unknown general category {value!r}")
    return _category(found)


def _categories_class(categories: tuple[str, ...]) -> str:
    ranges = _category_ranges()
    parts = [
        _ranges_class(ranges[two])
        for category in categories
        for two in sorted(ranges)
        if two.startswith(category)
    ]
    if not parts:
        raise ValueError(f"no character is in the categories {categories}")
    return "".join(parts)


@functools.cache
def _category_ranges() -> dict[str, list[tuple[int, int]]]:
    """The code points of each two-letter general category, as ranges (one pass, cached)."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    current, start = "", 0
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category != current:
            if current and current != "Cs":  # surrogates are no characters of a str pattern
                ranges.setdefault(current, []).append((start, code - 1))
            current, start = category, code
    ranges.setdefault(current, []).append((start, sys.maxunicode))
    return ranges


@functools.cache
def _script_class(script: str) -> str:
    word = _SCRIPT_WORDS.get(script.lower(), script.upper().replace("_", " "))
    ranges: list[tuple[int, int]] = []
    for low, high in (r for two in ("Lu", "Ll", "Lt", "Lm", "Lo") for r in _category_ranges()[two]):
        for code in range(low, high + 1):
            if unicodedata.name(chr(code), "").startswith(word):
                ranges.append((code, code))
    if not ranges:
        raise ValueError(f"unknown script {script!r}")
    return _ranges_class(ranges)


def _ranges_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(
        _escape(low) if low == high else f"{_escape(low)}-{_escape(high)}" for low, high in ranges
    )


def _escape(code: int) -> str:
    return f"\\U{code:08x}" if code > 0xFFFF else f"\\u{code:04x}"
