"""ECMA-262 patterns read by Python: every Unicode property escape class, against jsonschema-rs."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mockserver.generation.generator import DataGenerator
from mockserver.spec.regex import is_ecma_regex, python_pattern

# One pattern per escape class, with a string it matches and one it does not.
ESCAPES = [
    (r"^\p{L}+$", "Ωmega", "a1"),
    (r"^\p{Letter}+$", "Добро", "a b"),
    (r"^\p{Lu}\p{Ll}+$", "Ärger", "ärger"),
    (r"^\p{Lt}$", "\u01c5", "A"),
    (r"^\p{Lm}$", "\u02b0", "a"),
    (r"^\p{Lo}+$", "漢字", "abc"),
    (r"^\p{M}$", "\u0301", "a"),
    (r"^\p{Mn}$", "\u0300", "a"),
    (r"^\p{N}+$", "12\u0663\u2167", "1a"),
    (r"^\p{Nd}+$", "123\u0663", "\u2167"),
    (r"^\p{Nl}$", "\u2167", "1"),
    (r"^\p{No}$", "\u00bd", "1"),
    (r"^\p{P}+$", ".,;!¿", "a"),
    (r"^\p{Pd}$", "-", "_"),
    (r"^\p{Ps}\p{Pe}$", "()", "(("),
    (r"^\p{S}+$", "+$©", "a"),
    (r"^\p{Sc}$", "€", "E"),
    (r"^\p{Sm}$", "∑", "E"),
    (r"^\p{Z}+$", " \u00a0\u2028", "_"),
    (r"^\p{Zs}$", "\u3000", "\n"),
    (r"^\P{C}*$", "Hello, wörld!", "a\x00b"),
    (r"^\p{Cc}$", "\x07", "a"),
    (r"^\p{gc=Nd}+$", "42", "x"),
    (r"^\p{General_Category=Uppercase_Letter}+$", "ABC", "aBC"),
    (r"^\p{Script=Greek}+$", "αβγ", "abc"),
    (r"^\p{sc=Cyrillic}+$", "жук", "zuk"),
    (r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$", "Día 1: a/b=c+d@e", "a\x00"),
    (r"^[^\p{L}]+$", "123 !", "a"),
    (r"^(?<year>\d{4})-(?<month>\d{2})$", "2026-12", "26-12"),
    (r"^\u{1F600}$", "\U0001f600", "a"),
]


@pytest.mark.parametrize(("pattern", "matching", "other"), ESCAPES)
def test_python_pattern_matches_what_ecma_matches(pattern: str, matching: str, other: str) -> None:
    translated = python_pattern(pattern)
    assert translated is not None
    validator = jsonschema_rs.validator_for({"pattern": pattern})
    assert validator.is_valid(matching)
    assert not validator.is_valid(other)
    assert re.search(translated, matching)
    assert not re.search(translated, other)


@pytest.mark.parametrize(("pattern", "matching", "other"), ESCAPES)
def test_generated_strings_match_each_escape_class(pattern: str, matching: str, other: str) -> None:
    schema = {"type": "string", "pattern": pattern}
    generator = DataGenerator({"openapi": "3.1.0"}, seed=7)
    validator = jsonschema_rs.validator_for(schema)
    for key in range(5):
        value = generator.generate(schema, key=str(key))
        assert validator.is_valid(value), (pattern, value)


@pytest.mark.parametrize("pattern", [r"\p{Nope}", r"(", r"[z-a]", r"\p{Script=Klingon}"])
def test_a_pattern_no_engine_reads_is_no_regex(pattern: str) -> None:
    assert python_pattern(pattern) is None
    assert not is_ecma_regex(pattern)


def test_a_negated_escape_inside_a_class_is_valid_ecma_but_not_translated() -> None:
    assert is_ecma_regex(r"^[\P{L}]+$")
    assert python_pattern(r"^[\P{L}]+$") is None


@pytest.mark.parametrize(("pattern", "text"), [("^a$", "a\n"), ("^[$]$", "$\n"), (r"^\$$", "$\n")])
def test_dollar_ends_the_input_as_in_ecma(pattern: str, text: str) -> None:
    translated = python_pattern(pattern)
    assert translated is not None
    assert re.search(translated, text) is None
    assert re.search(translated, text[:-1]) is not None


def test_an_escaped_backslash_before_p_is_a_literal() -> None:
    translated = python_pattern(r"^\\p{L}$")
    assert translated is not None
    assert re.search(translated, "\\p{L}")


# Characters Python's Unicode database knows: a character assigned only in a newer Unicode
# version (which the validator's regex engine may know) is unassigned (Cn) here.
KNOWN = st.characters(exclude_categories=("Cn", "Cs"))


@given(st.sampled_from([p for p, _, _ in ESCAPES]), st.text(KNOWN, max_size=8))
@example(r"^\P{C}*$", "\x00")
@example(r"^\p{Z}+$", "\u2029")
@example(r"^\p{L}+$", "a\n")  # ECMA's $ is the end of the input, not before a last newline
def test_python_and_ecma_agree_on_any_text(pattern: str, text: str) -> None:
    translated = python_pattern(pattern)
    assert translated is not None
    ecma = jsonschema_rs.validator_for({"pattern": pattern}).is_valid(text)
    assert ecma == (re.search(translated, text) is not None)


@pytest.mark.parametrize(
    "pattern", [r"[\p{L}||\p{M}]+", r"[a||b]+", r"[a&&b]+", r"[[a]+", r"[~~]+"]
)
def test_set_operation_lookalikes_in_a_class_read_as_ecma_reads_them(pattern: str) -> None:
    translated = python_pattern(pattern)  # warnings are errors: no FutureWarning either
    assert translated is not None
    for text in ("ab", "|", "&", "[", "~", "a|b"):
        ecma = jsonschema_rs.validator_for({"pattern": f"^(?:{pattern})$"}).is_valid(text)
        assert ecma == bool(re.fullmatch(translated, text)), (pattern, text)
