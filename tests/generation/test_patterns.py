"""Strings matching a schema's ``pattern`` (`mockserver.generation.patterns`).

The property: whatever the pattern, seed and length bounds, `random_match` answers a string
that ``re.search`` matches within the bounds, or None; never a wrong string.
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mockserver.generation.patterns import parse_regex, random_match

# What specs write, and every construct of the parse tree the generator walks.
PATTERNS = (
    r"^[A-Za-z0-9_.:-]+$",  # an idempotency key
    r"^pm_[a-z0-9_]+$",
    r"^t=[0-9]+,v1=[0-9a-f]{64}$",
    r"^whsec_[A-Za-z0-9]{32}$",
    r"^\+?[1-9]\d{1,14}$",  # E.164
    r"[A-Za-z].*[0-9]|[0-9].*[A-Za-z]",  # a branch, unanchored
    r"^(?<year>\d{4})-(?<month>0[1-9]|1[0-2])$",  # ECMA named groups
    r"^[^a]x.$",  # a negated literal, any character
    r"^[^\d\s]{3}$",  # a negated class of categories
    r"^[^ab,\x00-\x20]+$",  # a negated class of literals and a range
    r"^[\w-]{2,4}\W\S$",
    r"^(\w)\1$",  # a back reference
    r"^(?>ab|a)c$",  # an atomic group
    r"^(a)?(?(1)b|c)$",  # a conditional group
    r"^a*+b+?$",  # possessive and lazy repeats
    r"^(?=x)x\d$",  # a lookahead emits nothing of its own
)


def _python(pattern: str) -> str:
    return re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern)


@given(
    pattern=st.sampled_from(PATTERNS),
    seed=st.integers(0, 2**32),
    min_length=st.integers(0, 12),
    extra=st.none() | st.integers(0, 40),
)
@example(pattern=r"^a{1,3}$", seed=0, min_length=5, extra=2)  # no string is long enough
@example(pattern=r"^ab", seed=1, min_length=9, extra=None)  # unanchored: padded
@example(pattern=r"^[0-9a-f]{64}$", seed=2, min_length=0, extra=10)  # always too long
def test_random_match_answers_a_match_within_the_bounds_or_none(
    pattern: str, seed: int, min_length: int, extra: int | None
) -> None:
    max_length = None if extra is None else min_length + extra
    text = random_match(pattern, random.Random(seed), min_length, max_length)
    if text is not None:
        assert re.search(_python(pattern), text), text
        assert len(text) >= min_length
        assert max_length is None or len(text) <= max_length


@pytest.mark.parametrize("pattern", PATTERNS)
def test_random_match_finds_a_match_of_every_supported_construct(pattern: str) -> None:
    found = {random_match(pattern, random.Random(seed), 0, None) for seed in range(10)}
    assert None not in found
    assert all(re.search(_python(pattern), text) for text in found if text is not None)


def test_random_match_is_repeatable_by_seed() -> None:
    first = [random_match(p, random.Random(7), 0, None) for p in PATTERNS]
    assert first == [random_match(p, random.Random(7), 0, None) for p in PATTERNS]


@pytest.mark.parametrize(
    "pattern",
    [r"(unclosed", r"[\P{L}]+", r"a{2,1}", r"[z-a]"],
    ids=["syntax", "negated ECMA escape in a class", "bad repeat", "bad range"],
)
def test_patterns_python_cannot_read_match_nothing(pattern: str) -> None:
    assert parse_regex(pattern) is None
    assert random_match(pattern, random.Random(0), 0, None) is None


@pytest.mark.parametrize(
    ("pattern", "min_length", "max_length"),
    [
        (r"^a{1,3}$", 5, None),
        (r"^[0-9a-f]{64}$", 0, 10),
        (r"^$", 1, 3),
        (r"^[^\x00-\x7f]$", 0, None),
    ],
    ids=["too short", "too long", "nothing but empty", "nothing printable"],
)
def test_random_match_gives_up_on_what_no_string_can_meet(
    pattern: str, min_length: int, max_length: int | None
) -> None:
    assert random_match(pattern, random.Random(3), min_length, max_length) is None
