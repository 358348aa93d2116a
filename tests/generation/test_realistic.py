"""Tests of mockserver.generation.realistic: strings are cut on word boundaries."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.generation.realistic import cut, text

_WORDS_TEXT = "Amber falcon ridge"


@pytest.mark.parametrize(
    ("max_length", "expected"),
    [(100, _WORDS_TEXT), (18, _WORDS_TEXT), (17, "Amber falcon"), (12, "Amber falcon"),
     (11, "Amber"), (5, "Amber"), (3, "Amb")],
)  # fmt: skip
def test_cut_keeps_whole_words_where_one_fits(max_length: int, expected: str) -> None:
    assert cut(_WORDS_TEXT, max_length) == expected


def test_cut_cuts_mid_word_rather_than_fall_below_min_length() -> None:
    assert cut(_WORDS_TEXT, 11, min_length=8) == "Amber falco"


@given(
    seed=st.integers(0, 2**32),
    bounds=st.tuples(st.integers(0, 60), st.integers(0, 60)).map(sorted),
)
def test_text_fits_its_bounds_and_ends_on_a_whole_word(seed: int, bounds: list[int]) -> None:
    low, high = bounds
    value = text(random.Random(seed), low, high)
    assert low <= len(value) <= high
    assert not value.endswith(" ")
    words = value.split(" ")
    # Every word but a forced last one (bounds too tight for whole words) is a whole word.
    if len(words) > 1 and len(value) > low:
        assert words[-1].isalpha()
        assert all(len(w) >= 2 for w in words[:-1])
