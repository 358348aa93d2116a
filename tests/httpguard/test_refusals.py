"""`Refusals`: the one parameter for how refusals look; the documents it renders."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from httpguard import REFUSAL_CODES, LimitsError, Refusals

TEXT = st.text(st.characters(exclude_categories=["Cs"]))  # what UTF-8 can encode


def test_refusals_render_a_problem_with_the_type_prefix_and_the_code() -> None:
    body = Refusals(type_prefix="urn:x:").problem(
        408, "request_timeout", "Request timeout", "Late."
    )
    assert body == (
        b'{"type":"urn:x:request-timeout","title":"Request timeout","status":408,'
        b'"detail":"Late.","code":"request_timeout"}'
    )


@pytest.mark.parametrize(
    ("rule_codes", "expected"),
    [({}, "body_too_large"), ({"body_too_large": "maxSize"}, "maxSize")],
    ids=["the refusal code", "a rule code"],
)
def test_refusals_name_the_part_with_the_rule_code(
    rule_codes: dict[str, str], expected: str
) -> None:
    body = Refusals(rule_codes=rule_codes).problem(413, "body_too_large", "T", "D.", "body")
    assert json.loads(body)["errors"] == [{"field": "body", "code": expected, "message": "D."}]


@given(prefix=TEXT, title=TEXT, detail=TEXT, field=TEXT)
def test_refusals_write_what_orjson_writes(
    prefix: str, title: str, detail: str, field: str
) -> None:
    # The servers wrote their refusals with orjson; the bytes on the wire must not change.
    body = Refusals(type_prefix=prefix).problem(400, "json_too_deep", title, detail, field)
    assert body == orjson.dumps(json.loads(body))


@pytest.mark.parametrize("status", [399, 500, 200, True, "413"])
def test_refusals_refuse_a_body_status_that_is_not_a_4xx(status: object) -> None:
    with pytest.raises(LimitsError, match=r"^expected body_too_large_status between 400 and 499"):
        Refusals(body_too_large_status=status)  # type: ignore[arg-type]


def test_refusals_refuse_a_rule_code_for_an_unknown_refusal() -> None:
    with pytest.raises(LimitsError, match=r"got rule_codes keys 'body_to_large'$"):
        Refusals(rule_codes={"body_to_large": "maxSize"})


def test_refusals_rule_codes_cannot_change_afterwards() -> None:
    given_codes = {"json_too_deep": "json"}
    refusals = Refusals(rule_codes=given_codes)
    given_codes["json_too_deep"] = "changed"
    assert refusals.rule_codes == {"json_too_deep": "json"}
    with pytest.raises(TypeError):
        refusals.rule_codes["json_too_deep"] = "x"  # type: ignore[index]


def test_refusal_codes_are_the_five_refusals() -> None:
    assert REFUSAL_CODES == (
        "body_too_large",
        "json_too_deep",
        "too_many_parameters",
        "request_timeout",
        "headers_too_large",
    )
