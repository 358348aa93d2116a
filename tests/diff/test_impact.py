"""`mockserver.diff.impact`: which pact interactions each breaking finding touches, matched
by method and path (concrete or the generator's expression) and by what the interaction sends
and expects; and the pacts read from a directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.diff.impact import (
    Use,
    _status_matches,  # private, pinned here: the status forms a pact's status answers to
    consumer_impact,
    impact_summary,
    read_pacts,
)
from mockserver.errors import DiffError
from mockserver.spec.loader import load_spec
from tests.diff.builders import Edit, diff, drop, edited, put

USERS = "/paths/~1users"
SCHEMAS = "/components/schemas"


def interaction(
    description: str,
    method: str,
    path: str,
    *,
    status: int = 200,
    query: dict[str, list[str]] | None = None,
    headers: dict[str, list[str]] | None = None,
    body: Any = None,
    answer: Any = None,
    answer_headers: dict[str, list[str]] | None = None,
    expression: str | None = None,
) -> dict[str, Any]:
    """One Pact V4 HTTP interaction."""
    request: dict[str, Any] = {"method": method, "path": path}
    if query is not None:
        request["query"] = query
    if headers is not None:
        request["headers"] = headers
    if body is not None:
        request["body"] = {"content": body, "contentType": "application/json"}
    if expression is not None:
        request["generators"] = {"path": {"expression": expression, "type": "ProviderState"}}
    response: dict[str, Any] = {"status": status, "headers": answer_headers or {}}
    if answer is not None:
        response["body"] = {"content": answer, "contentType": "application/json"}
    return {
        "type": "Synchronous/HTTP",
        "description": description,
        "request": request,
        "response": response,
    }


INTERACTIONS = [
    interaction("a list", "GET", "/users", query={"limit": ["5"]}, answer=["ada"],
                answer_headers={"X-Total": ["1"]}),
    interaction("a list unlimited", "GET", "/users", answer=["ada"]),
    interaction("a list refused", "GET", "/users", status=400),
    interaction("a user", "GET", "/users/u1", answer={"id": "u1", "children": [{"id": "u2"}]}),
    interaction("a user by expression", "GET", "/elsewhere", expression="/users/${userId}",
                answer={"id": "u1"}),
    interaction("a creation", "POST", "/users", status=201, body={"name": "ada", "age": 3},
                answer={"id": "u1", "name": "ada", "status": "active"}),
    interaction("a bare creation", "POST", "/users", status=201, body={"name": "ada"},
                answer={"id": "u1", "name": "ada"}),
    interaction("a pet", "POST", "/pets", body={"meow": True}, answer={"meow": True}),
    interaction("a pet without a body", "POST", "/pets", answer={"meow": True}),
    interaction("no such path", "GET", "/nowhere"),
]  # fmt: skip


def write_pacts(directory: Path, interactions: list[dict[str, Any]] = INTERACTIONS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    pact = {
        "consumer": {"name": "web"},
        "provider": {"name": "api"},
        "interactions": [
            *interactions,
            {"type": "Synchronous/Messages", "description": "a message"},
        ],
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }
    (directory / "web-api.json").write_text(json.dumps(pact))
    return directory


@pytest.fixture
def pacts(tmp_path: Path) -> Path:
    return write_pacts(tmp_path / "pacts")


def touched(edits: list[Edit], pacts: Path, rule: str) -> list[str]:
    """The descriptions of the interactions the finding ``rule`` of ``edits`` touches."""
    old = edited([])
    impact = consumer_impact(diff(old, edited(edits)), load_spec(old), read_pacts(pacts))
    [found] = [uses for finding, uses in impact.items() if finding.rule == rule]
    return [use.interaction for use in found]


@pytest.mark.parametrize(
    ("edits", "rule", "descriptions"),
    [
        ([drop(f"{USERS}/get")], "operation-removed",
         ["a list", "a list refused", "a list unlimited"]),
        ([drop("/paths/~1users~1{id}")], "path-removed", ["a user", "a user by expression"]),
        ([drop(f"{USERS}/get/parameters/0")], "request-parameter-removed", ["a list"]),
        ([put(f"{USERS}/get/parameters/0/required", True)], "request-parameter-made-required",
         ["a list refused", "a list unlimited"]),
        ([put(f"{USERS}/get/parameters/-", {"name": "q", "in": "query", "required": True})],
         "request-parameter-added-required", ["a list", "a list refused", "a list unlimited"]),
        ([put(f"{SCHEMAS}/NewUser/properties/age/minimum", 5)], "request-bound-narrowed",
         ["a creation"]),
        ([put(f"{SCHEMAS}/NewUser/required", ["name", "age"])], "request-property-made-required",
         ["a bare creation"]),
        ([drop(f"{SCHEMAS}/User/properties/status")], "response-property-removed",
         ["a creation"]),
        ([drop(f"{USERS}/get/responses/200/headers/X-Total")], "response-header-removed",
         ["a list"]),
        ([drop(f"{USERS}/get/responses/200")], "response-success-status-removed",
         ["a list", "a list unlimited"]),
        ([put(f"{SCHEMAS}/Account/properties/id/type", ["string", "null"])],
         "response-made-nullable", ["a user", "a user by expression"]),
        ([put(f"{SCHEMAS}/Account/properties/children/type", "object")],
         "response-type-changed", ["a user"]),
        ([put(f"{USERS}/get/security", [{"bearer": []}])], "security-requirement-added",
         ["a list", "a list refused", "a list unlimited"]),
        ([put(f"{SCHEMAS}/Cat/properties/meow/type", "string")], "request-type-changed",
         ["a pet"]),
        ([drop(f"{SCHEMAS}/NewUser/properties/role")], "request-property-removed", []),
        ([put("/paths/~1pets/post/requestBody/required", True)], "request-body-made-required",
         ["a pet without a body"]),
        ([put(f"{USERS}/get/parameters/0/schema/default", 10)], "request-default-changed",
         ["a list refused", "a list unlimited"]),
        ([put(f"{SCHEMAS}/NewUser/properties/age/default", 18)], "request-default-changed",
         ["a bare creation"]),
    ],
)  # fmt: skip
def test_a_finding_touches_the_interactions_that_use_what_changed(
    edits: list[Edit], rule: str, descriptions: list[str], pacts: Path
) -> None:
    assert touched(edits, pacts, rule) == descriptions


def test_each_use_names_the_consumer_and_the_field(pacts: Path) -> None:
    old = edited([])
    new = edited([drop(f"{SCHEMAS}/User/properties/status")])
    impact = consumer_impact(diff(old, new), load_spec(old), read_pacts(pacts))
    [uses] = [u for f, u in impact.items() if f.rule == "response-property-removed"]
    assert uses == (Use("web", "a creation", "201 response body status"),)


def test_safe_findings_are_not_matched(pacts: Path) -> None:
    old = edited([])
    new = edited([put(f"{USERS}/get/responses/200/headers/ETag", {"schema": {}})])
    assert consumer_impact(diff(old, new), load_spec(old), read_pacts(pacts)) == {}


def test_the_summary_counts_interactions_per_consumer(pacts: Path) -> None:
    old = edited([])
    findings = diff(old, edited([drop(f"{USERS}/get")]))
    impact = consumer_impact(findings, load_spec(old), read_pacts(pacts))
    assert impact_summary(impact, failing=findings) == "breaks 1 consumer(s): web (3 interactions)"
    assert impact_summary(impact, failing=[]) == (
        "breaks no consumer: no pact exercises a failing change"
    )


def test_only_http_interactions_are_read(pacts: Path) -> None:
    assert len(read_pacts(pacts)) == len(INTERACTIONS)


def test_an_unreadable_pact_is_a_diff_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(DiffError, match=r"broken\.json: cannot read this pact"):
        read_pacts(tmp_path)


def test_the_committed_pacts_are_read() -> None:
    pacts = Path(__file__).parents[2] / "contracts" / "pacts"
    interactions = read_pacts(pacts)
    counts = [len(json.loads(p.read_text())["interactions"]) for p in pacts.glob("*.json")]
    assert len(interactions) == sum(counts)
    assert {i.consumer for i in interactions} == {"platform-web", "platform-web-js"}


@pytest.mark.parametrize(
    ("declared", "status", "matches"),
    [("200", 200, True), ("200", 201, False), ("2XX", 204, True), ("2XX", 404, False),
     ("DEFAULT", 503, True)],
)  # fmt: skip
def test_a_declared_status_answers_for_the_statuses_it_covers(
    declared: str, status: int, matches: bool
) -> None:
    assert _status_matches(declared, status) is matches


_NAMES = st.sampled_from(["id", "name", "age", "children", "meow"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_NAMES, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None)
@given(
    entries=st.lists(
        st.fixed_dictionaries(
            {
                "description": st.text(max_size=5),
                "request": st.fixed_dictionaries(
                    {
                        "method": st.sampled_from(["GET", "POST", "get", "PATCH"]),
                        "path": st.sampled_from(["/users", "/users/1", "/pets", "/", "x"]),
                    },
                    optional={
                        "query": st.dictionaries(st.sampled_from(["limit", "q"]), st.just(["1"])),
                        "body": st.fixed_dictionaries({"content": _JSON}),
                        "headers": _JSON,
                    },
                ),
                "response": st.fixed_dictionaries(
                    {"status": st.sampled_from([200, 201, 400, "oops", None])},
                    optional={"body": st.fixed_dictionaries({"content": _JSON})},
                ),
            }
        ),
        max_size=4,
    ),
    change=st.sampled_from(
        [
            drop(f"{USERS}/get"),
            drop(f"{SCHEMAS}/User/properties/status"),
            put(f"{SCHEMAS}/NewUser/required", ["name", "age"]),
            put(f"{USERS}/get/parameters/0/required", True),
            put(f"{SCHEMAS}/Cat/properties/meow/type", "string"),
        ]
    ),
)
def test_any_pact_interactions_are_matched_without_error(
    tmp_path_factory: pytest.TempPathFactory, entries: list[dict[str, Any]], change: Edit
) -> None:
    pacts = write_pacts(tmp_path_factory.mktemp("pacts"), interactions=entries)
    old = edited([])
    findings = diff(old, edited([change]))
    impact = consumer_impact(findings, load_spec(old), read_pacts(pacts))
    described = {str(entry["description"]) for entry in entries}
    for uses in impact.values():
        assert all(use.consumer == "web" and use.interaction in described for use in uses)
