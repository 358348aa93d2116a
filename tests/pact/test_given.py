"""Provider states of pacts against the definitions (`mockserver.pact.given`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from contracts.states import DEFAULT_STATES, load_states
from mockserver.pact.files import Generator, State
from mockserver.pact.given import required_params, state_problems


def _definitions(tmp_path: Path, state: dict[str, Any]) -> Any:
    path = tmp_path / "states.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "states": {"s": state}}))
    return load_states(path)


def test_no_committed_state_needs_a_param() -> None:
    assert {name: required_params(d) for name, d in load_states(DEFAULT_STATES).items()} == {
        name: [] for name in load_states(DEFAULT_STATES)
    }


def test_a_param_is_required_where_leaving_it_out_cannot_work(tmp_path: Path) -> None:
    definitions = _definitions(
        tmp_path,
        {
            "params": {
                "whole": {}, "inText": {}, "inPath": {}, "inParent": {},
                "withDefault": {"default": 1}, "unused": {},
            },
            "steps": [
                {"user": "u", "email": "a@example.com", "name": "{whole}"},
                {"record": "/projects/{projectId}/tasks", "as": "t", "owner": "u",
                 "parents": {"projectId": "{inParent}"},
                 "fields": {"title": "Task {inText}", "list": [{"x": "{whole}"}],
                            "n": "{withDefault}"}},
                {"request": "r", "user": "u", "method": "POST", "path": "/x/{inPath}",
                 "body": {"a": "{whole}"}},
            ],
            "answers": {"id": "{whole}"},
        },
    )  # fmt: skip
    assert required_params(definitions["s"]) == ["inParent", "inPath", "inText"]


def test_a_state_with_its_params_and_answered_generators_has_no_problem() -> None:
    definitions = load_states(DEFAULT_STATES)
    states = [State("a project exists", {"status": "on_hold"})]
    generated = [("request", Generator("path", "", "/api/v1/projects/${projectId}"))]
    assert list(state_problems(states, generated, definitions)) == []


def test_generators_are_not_checked_against_an_unknown_state() -> None:
    definitions = load_states(DEFAULT_STATES)
    generated = [("request", Generator("header", "Authorization", "Bearer ${token}"))]
    problems = list(state_problems([State("nope", {})], generated, definitions))
    assert len(problems) == 1
    assert problems[0].startswith("provider state 'nope' is not defined in")
    assert list(state_problems([], generated, definitions)) == []


def test_a_generator_on_a_header_names_its_place(tmp_path: Path) -> None:
    definitions = _definitions(tmp_path, {"answers": {}})
    generated = [("request", Generator("header", "Authorization", "Bearer ${token}"))]
    assert list(state_problems([State("s", {})], generated, definitions)) == [
        "request header Authorization: the provider-state generator 'Bearer ${token}' names "
        "${token}, which 's' does not answer; it answers nothing"
    ]
