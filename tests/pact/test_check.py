"""``mockserver contracts check``: the committed pacts pass; each kind of violation fails."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.cli.main import main
from tests.conftest import SPEC
from tests.contracts.pacts import PACTS

PACT = PACTS / "platform-web-platform-api.json"
STATES = PACTS.parent / "states.yaml"
Edit = Callable[[dict[str, Any]], None]


def _interaction(description: str) -> dict[str, Any]:
    pact = json.loads(PACT.read_text())
    return next(i for i in pact["interactions"] if i["description"] == description)


def _write(tmp_path: Path, interaction: dict[str, Any]) -> Path:
    pact = json.loads(PACT.read_text())
    pact["interactions"] = [interaction]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(pact))
    return path


def test_the_committed_pacts_fit_the_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contracts", "check", "--pacts", str(PACTS), "--spec", str(SPEC)]) == 0
    out = capsys.readouterr().out
    count = sum(len(json.loads(p.read_text())["interactions"]) for p in PACTS.glob("*.json"))
    assert f"{count} interactions, {count} passed, 0 failed" in out
    assert "PASS  platform-web-platform-api.json: a login: POST /api/v1/auth/login -> 200" in out


def _set(path: str, value: Any) -> Edit:
    def edit(interaction: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = interaction
        for key in parents:
            target = target[key]
        target[last] = value

    return edit


def _drop(path: str) -> Edit:
    def edit(interaction: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = interaction
        for key in parents:
            target = target[key]
        del target[last]

    return edit


CASES: list[tuple[str, str, Edit, str]] = [
    ("unknown path", "a login", _set("request.path", "/api/v1/auth/signin"),
     "no path of the spec matches /api/v1/auth/signin"),
    ("undeclared method", "a request for a project", _set("request.method", "POST"),
     "POST is not declared"),
    ("closed request body", "a project creation",
     _set("request.body.content", {"name": "X", "ownerId": "someone"}),
     "request body"),
    ("invalid query parameter", "a list of projects", _set("request.query", {"limit": ["500"]}),
     "request query.limit"),
    ("missing required header", "a payment", _drop("request.headers.Idempotency-Key"),
     "Idempotency-Key"),
    ("missing credentials", "a request for a project", _drop("request.headers.Authorization"),
     "requires credentials"),
    ("undeclared status", "a request for a project", _set("response.status", 418),
     "status 418 is not declared"),
    ("wrong type in the response", "a request for a project",
     _set("response.body.content.name", 42), "response body.name"),
    ("unknown response property", "a request for a project",
     _set("response.body.content.colour", "teal"),
     "property 'colour' is not in the response schema"),
    ("missing required response property", "a request for a project",
     _drop("response.body.content.ownerId"), "ownerId"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_an_interaction_the_spec_forbids_fails_the_check(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    description: str,
    edit: Edit,
    expected: str,
) -> None:
    interaction = copy.deepcopy(_interaction(description))
    edit(interaction)
    assert main(["contracts", "check", "--pacts", str(_write(tmp_path, interaction))]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  broken.json: {description}" in out
    assert expected in out
    assert "1 interactions, 0 passed, 1 failed" in out


def test_a_missing_pact_directory_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["contracts", "check", "--pacts", str(tmp_path / "none")]) == 2
    assert "run `make pacts`" in capsys.readouterr().err


V2 = Path(__file__).with_name("pacts") / "platform-web-legacy-v2.json"
V3 = Path(__file__).with_name("pacts") / "platform-web-js-v3.json"


@pytest.mark.parametrize(("pact", "version"), [(V2, "V2"), (V3, "V3"), (PACT, "V4")])
def test_v2_v3_and_v4_pacts_fit_the_spec_and_say_which_version_was_read(
    capsys: pytest.CaptureFixture[str], pact: Path, version: str
) -> None:
    assert main(["contracts", "check", "--pacts", str(pact), "--spec", str(SPEC)]) == 0
    out = capsys.readouterr().out
    assert f"{pact.name}: pact specification {version}" in out
    count = len(json.loads(pact.read_text())["interactions"])
    assert f"{count} interactions, {count} passed, 0 failed" in out


def test_a_pact_of_another_specification_is_refused_saying_which_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pact = json.loads(V2.read_text())
    pact["metadata"]["pactSpecification"]["version"] = "1.0.0"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(pact))
    assert main(["contracts", "check", "--pacts", str(path)]) == 1
    out = capsys.readouterr().out
    assert "pact specification V1 is not read: contracts check reads V2, V3, V4" in out


def _rule(side: str, category: str, where: str, *matchers: dict[str, Any]) -> Edit:
    """Replace (or add) a V3/V4 matching rule of the interaction."""

    def edit(interaction: dict[str, Any]) -> None:
        rules = interaction[side].setdefault("matchingRules", {}).setdefault(category, {})
        rules[where] = {"combine": "AND", "matchers": list(matchers)}

    return edit


def _both(*edits: Edit) -> Edit:
    def edit(interaction: dict[str, Any]) -> None:
        for change in edits:
            change(interaction)

    return edit


UUID_RE = {"match": "regex", "regex": "^\\d+$"}
RULE_CASES: list[tuple[str, str, Edit, str]] = [
    ("decimal matcher on an integer money field", "a request for an order",
     _rule("response", "body", "$.total", {"match": "decimal"}),
     "response $.body.total: a decimal matcher, but the schema's type is integer"),
    ("integer matcher on a string", "a request for a project",
     _rule("response", "body", "$.name", {"match": "integer"}),
     "response $.body.name: an integer matcher, but the schema's type is string"),
    ("type matcher on a value of another type", "a request for a project",
     _both(_set("response.body.content.name", True),
           _rule("response", "body", "$.name", {"match": "type"})),
     "response $.body.name: a type matcher on a boolean (True), but the schema's type is string"),
    ("boolean matcher on an array item's string", "a list of projects",
     _rule("response", "body", "$.data[*].status", {"match": "boolean"}),
     "response $.body.data[*].status: a boolean matcher, but the schema's type is string"),
    ("decimal matcher on an integer query parameter", "a list of projects",
     _both(_set("request.query", {"limit": ["20"]}),
           _rule("request", "query", "limit", {"match": "decimal"})),
     "request $.query.limit: a decimal matcher, but the schema's type is integer"),
    ("regex incompatible with format uuid", "a request for a project",
     _rule("response", "body", "$.id", UUID_RE),
     "response $.body.id: the regex '^\\\\d+$' matches no uuid"),
    ("regex producing no uuid", "a request for a project",
     _rule("response", "body", "$.id", {"match": "regex", "regex": "[a-z]{3}|[0-9a-f-]{36}"}),
     "none shaped as a uuid"),
    ("regex example outside the pattern", "a payment",
     _both(_set("request.body.content.paymentMethod", "card_visa"),
           _rule("request", "body", "$.paymentMethod", {"match": "regex", "regex": "^card_"})),
     "request $.body.paymentMethod: the regex's example 'card_visa' does not match the "
     "schema's pattern"),
    ("regex not matching its example in a header", "a payment",
     _rule("request", "header", "Idempotency-Key", {"match": "regex", "regex": "^\\d+$"}),
     "request $.header.Idempotency-Key: the regex '^\\\\d+$' does not match its own example"),
    ("eachLike min above maxItems", "a list of projects",
     _rule("response", "body", "$.data", {"match": "type", "min": 101}),
     "response $.body.data: min 101 (eachLike), but the schema allows at most 100 items"),
    ("max below minItems", "a request for an order",
     _rule("response", "body", "$.items", {"match": "type", "max": 0}),
     "response $.body.items: max 0, but the schema requires at least 1 items"),
    ("eachLike min below a request's minItems", "an order placement",
     _rule("request", "body", "$.items", {"match": "type", "min": 0}),
     "request $.body.items: min 0 (eachLike) lets the consumer send 0 items"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "edit", "expected"),
    [c[1:] for c in RULE_CASES],
    ids=[c[0] for c in RULE_CASES],
)
def test_a_matcher_the_schema_contradicts_fails_the_check_at_its_rule_path(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    description: str,
    edit: Edit,
    expected: str,
) -> None:
    interaction = copy.deepcopy(_interaction(description))
    edit(interaction)
    assert main(["contracts", "check", "--pacts", str(_write(tmp_path, interaction))]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  broken.json: {description}" in out
    assert expected in out, out


def test_a_v3_decimal_matcher_on_an_integer_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pact = json.loads(V3.read_text())
    order = next(i for i in pact["interactions"] if i["description"] == "a request for an order")
    order["response"]["matchingRules"]["body"]["$.total"] = {
        "combine": "AND", "matchers": [{"match": "decimal"}]
    }  # fmt: skip
    path = tmp_path / "v3.json"
    path.write_text(json.dumps(pact))
    assert main(["contracts", "check", "--pacts", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  v3.json: a request for an order" in out
    assert "response $.body.total: a decimal matcher" in out


def test_a_v2_regex_incompatible_with_a_uuid_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pact = json.loads(V2.read_text())
    pact["interactions"][0]["response"]["matchingRules"]["$.body.user.id"] = UUID_RE
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(pact))
    assert main(["contracts", "check", "--pacts", str(path)]) == 1
    assert "response $.body.user.id: the regex" in capsys.readouterr().out


def _states(*states: dict[str, Any]) -> Edit:
    return _set("providerStates", list(states))


STATE_CASES: list[tuple[str, str, Edit, str]] = [
    ("unknown state", "a request for a project", _states({"name": "a project exist"}),
     "provider state 'a project exist' is not defined in"),
    ("unknown param", "a request for a project",
     _states({"name": "a project exists", "params": {"projectName": "X"}}),
     "provider state 'a project exists' takes no param 'projectName'"),
    ("param value outside its enum", "a request for a project",
     _states({"name": "a project exists", "params": {"status": "deleted"}}),
     "expected param status to be one of active, on_hold, completed, archived, got 'deleted'"),
    ("generator naming a value the state does not answer", "a request for a project",
     _set("request.generators.path.expression", "/api/v1/projects/${id}"),
     "request path: the provider-state generator '/api/v1/projects/${id}' names ${id}, which "
     "'a project exists' does not answer; it answers accessToken, projectId"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "edit", "expected"),
    [c[1:] for c in STATE_CASES],
    ids=[c[0] for c in STATE_CASES],
)
def test_a_provider_state_the_definitions_refuse_fails_the_check(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    description: str,
    edit: Edit,
    expected: str,
) -> None:
    interaction = copy.deepcopy(_interaction(description))
    edit(interaction)
    assert main(["contracts", "check", "--pacts", str(_write(tmp_path, interaction))]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  broken.json: {description}" in out
    assert expected in out, out


def test_a_missing_required_param_fails_against_the_states_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    definitions = yaml.safe_load(STATES.read_text())
    state = definitions["states"]["a project exists"]
    state["steps"][1]["fields"]["name"] = "Project {projectId}"  # projectId cannot be left out
    states = tmp_path / "states.yaml"
    states.write_text(yaml.safe_dump(definitions))
    pacts = _write(tmp_path, copy.deepcopy(_interaction("a request for a project")))
    args = ["contracts", "check", "--pacts", str(pacts), "--states", str(states)]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "provider state 'a project exists' needs param 'projectId'" in out
    assert main(["contracts", "check", "--pacts", str(pacts)]) == 0  # the default definitions
