"""`mockserver.validation.bodies`: content types split once, media types matched."""

from __future__ import annotations

import pytest

from mockserver.validation.bodies import ContentMatcher, split_content_type


@pytest.mark.parametrize(
    ("value", "bare", "params"),
    [
        ("application/json", "application/json", {}),
        ('Text/Plain; Charset="UTF-8"; q=1', "text/plain", {"charset": "UTF-8", "q": "1"}),
        ("", None, {}),
        (None, None, {}),
        (" ; charset=utf-8", None, {"charset": "utf-8"}),
    ],
)
def test_a_content_type_splits_into_its_media_type_and_parameters(
    value: str | None, bare: str | None, params: dict[str, str]
) -> None:
    assert split_content_type(value) == (bare, params)


def test_a_split_content_type_is_remembered_and_cannot_be_changed_by_a_caller() -> None:
    first = split_content_type("application/json; charset=utf-8")
    assert split_content_type("application/json; charset=utf-8") is first
    with pytest.raises(TypeError):
        first[1]["charset"] = "latin-1"  # type: ignore[index]
    assert split_content_type("application/json; charset=utf-8")[1] == {"charset": "utf-8"}


def test_a_media_type_matches_exactly_then_by_its_type_then_any() -> None:
    matcher = ContentMatcher(["application/json", "text/*", "*/*"])
    assert matcher.match("application/json") == "application/json"
    assert matcher.match("text/csv") == "text/*"
    assert matcher.match("image/png") == "*/*"
