"""The mock's refusal style (`mockserver.server.guard`): the spec's problem types if any."""

from __future__ import annotations

from mockserver.compile.problem_types import collect_problem_types
from mockserver.server.guard import REFUSALS, refusals_for


def _examples(*types: tuple[str, str]) -> dict[str, object]:
    values = {code: {"value": {"type": uri, "status": 400, "code": code}} for code, uri in types}
    return {"components": {"examples": values}}


def test_refusals_take_the_prefix_the_spec_s_examples_follow() -> None:
    document = _examples(
        ("bad_input", "https://e.example/bad-input"), ("gone_away", "https://e.example/gone-away")
    )
    refusals = refusals_for(collect_problem_types(document))
    assert refusals.type_prefix == "https://e.example/"
    assert refusals.body_too_large_status == REFUSALS.body_too_large_status


def test_refusals_keep_the_urn_when_the_spec_names_no_problem() -> None:
    assert refusals_for(collect_problem_types({"openapi": "3.1.0"})) is REFUSALS


def test_refusals_keep_the_urn_when_the_rule_is_not_a_dashed_prefix() -> None:
    document = _examples(
        ("bad_input", "https://e.example/bad_input.html"),
        ("gone_away", "https://e.example/gone_away.html"),
    )
    assert refusals_for(collect_problem_types(document)) is REFUSALS
