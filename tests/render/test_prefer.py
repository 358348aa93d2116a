"""Prism-compatible client preferences: the Prefer header and the ``__`` query parameters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.errors import PreferenceError
from mockserver.render.prefer import Preferences, parse_preferences


@pytest.mark.parametrize(
    ("header", "query", "expected", "rest"),
    [
        (None, "", Preferences(), ""),
        ("code=404", "", Preferences(code=404), ""),
        ("code=404, example=notFound", "", Preferences(code=404, example="notFound"), ""),
        ('example="two words"', "", Preferences(example="two words"), ""),
        ("dynamic=true", "", Preferences(dynamic=True), ""),
        ("dynamic=false", "", Preferences(dynamic=False), ""),
        ("respond-async, wait=5", "", Preferences(), ""),
        (None, "__code=201&page=2", Preferences(code=201), "page=2"),
        (None, "__example=a%20b&__dynamic=false", Preferences(example="a b", dynamic=False), ""),
        ("code=404", "__code=409", Preferences(code=409), ""),
        (None, "ids=1%2C2&__code=200", Preferences(code=200), "ids=1%2C2"),
    ],
)
def test_parse_preferences_reads_header_and_query(
    header: str | None, query: str, expected: Preferences, rest: str
) -> None:
    assert parse_preferences(header, query) == (expected, rest)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("code=abc", "code=abc"),
        ("code=99", "code=99"),
        ("code=600", "code=600"),
        ("dynamic=maybe", "dynamic=maybe"),
    ],
)
def test_parse_preferences_rejects_nonsense_with_the_offending_value(
    header: str, message: str
) -> None:
    with pytest.raises(PreferenceError, match=message):
        parse_preferences(header, "")


@given(st.text(max_size=60), st.text(max_size=60))
def test_parse_preferences_never_fails_other_than_with_preference_error(
    header: str, query: str
) -> None:
    try:
        prefs, rest = parse_preferences(header, query)
    except PreferenceError:
        return
    for pair in rest.split("&"):
        assert not pair.startswith(("__code=", "__example=", "__dynamic="))
    assert prefs.code is None or 100 <= prefs.code <= 599
