"""``mockserver verify`` against real servers: the mock, the provider, and broken providers."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.cli.main import main
from mockserver.pact.states import STATES_ENV
from mockserver.server.app import create_app
from provider import CHEAP_PASSWORD_COST
from provider import create_app as create_provider
from tests.conftest import SPEC, RunningServer
from tests.contracts.pacts import PACTS
from tests.documents import load_yaml

pytestmark = pytest.mark.slow

PACT = PACTS / "platform-web-platform-api.json"
# Every committed pact: the Python consumer's and the JavaScript one's (contracts/js/).
INTERACTIONS = sum(len(json.loads(p.read_text())["interactions"]) for p in PACTS.glob("*.json"))
Serve = Callable[..., RunningServer]


def _only(tmp_path: Path, *descriptions: str) -> Path:
    """A pact directory holding only these interactions of the committed pact."""
    pact = json.loads(PACT.read_text())
    pact["interactions"] = [i for i in pact["interactions"] if i["description"] in descriptions]
    assert len(pact["interactions"]) == len(descriptions)
    directory = tmp_path / "pacts"
    directory.mkdir()
    (directory / PACT.name).write_text(json.dumps(pact))
    return directory


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["verify", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _altered_spec(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = load_yaml(SPEC.read_text())
    change(document)
    path = tmp_path / "altered.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_every_pact_passes_against_the_running_mock(
    make_server: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mock = make_server(create_app(SPEC))
    junit = tmp_path / "junit.xml"
    code, out = _verify(capsys, "--provider-url", mock.url, "--junit", str(junit))
    assert code == 0, out
    assert f"platform-api: {INTERACTIONS} interactions, {INTERACTIONS} passed, 0 failed" in out
    assert "PASS    a retried payment with the same idempotency key" in out
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures")) == (str(INTERACTIONS), "0")


def test_every_pact_passes_against_the_running_provider_on_sqlite(
    make_server: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_provider(
        database_url=f"sqlite:///{tmp_path / 'provider.sqlite3'}",
        test_states=True,
        password_cost=CHEAP_PASSWORD_COST,
    )
    provider = make_server(app)
    code, out = _verify(
        capsys, "--provider-url", provider.url, "--pacts", str(PACTS),
        "--state-url", provider.url + "/_pact/provider-states",
    )  # fmt: skip
    assert code == 0, out
    assert f"{INTERACTIONS} interactions, {INTERACTIONS} passed, 0 failed" in out


def test_a_renamed_field_fails_naming_the_interaction_and_the_field(
    make_server: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def rename(document: dict[str, Any]) -> None:
        project = document["components"]["schemas"]["Project"]
        project["properties"]["title"] = project["properties"].pop("name")
        project["required"] = ["title" if r == "name" else r for r in project["required"]]

    mock = make_server(create_app(_altered_spec(tmp_path, rename)))
    pacts = _only(tmp_path, "a request for a project")
    code, out = _verify(capsys, "--provider-url", mock.url, "--pacts", str(pacts))
    assert code == 1
    assert "FAIL    a request for a project (given a project exists)" in out
    assert "body $: Actual map is missing the following keys: name" in out


def test_a_wrong_status_fails_naming_the_interaction_and_the_status(
    make_server: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def status(document: dict[str, Any]) -> None:
        responses = document["paths"]["/projects"]["post"]["responses"]
        responses["200"] = responses.pop("201")

    mock = make_server(create_app(_altered_spec(tmp_path, status)))
    pacts = _only(tmp_path, "a project creation")
    code, out = _verify(capsys, "--provider-url", mock.url, "--pacts", str(pacts))
    assert code == 1
    assert "FAIL    a project creation (given a user exists)" in out
    assert "status" in out
    assert "201" in out
    assert "200" in out


def test_a_missing_state_handler_fails_naming_the_state(
    make_server: Serve,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    definitions = load_yaml((PACTS.parent / "states.yaml").read_text())
    del definitions["states"]["a session exists"]
    states = tmp_path / "states.yaml"
    states.write_text(yaml.safe_dump(copy.deepcopy(definitions)))
    monkeypatch.setenv(STATES_ENV, str(states))
    mock = make_server(create_app(SPEC))
    pacts = _only(tmp_path, "a request for a session")
    code, out = _verify(capsys, "--provider-url", mock.url, "--pacts", str(pacts))
    assert code == 1
    assert "a request for a session" in out
    assert "provider state 'a session exists' setup answered 400: unknown provider state" in out


def test_a_state_the_provider_refuses_is_reported_with_its_detail(
    make_server: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_provider(
        database_url=f"sqlite:///{tmp_path / 'provider.sqlite3'}",
        test_states=True,
        password_cost=CHEAP_PASSWORD_COST,
    )
    provider = make_server(app)
    pacts = _only(tmp_path, "a request for a project")
    pact = json.loads((pacts / PACT.name).read_text())
    pact["interactions"][0]["providerStates"][0]["params"] = {"projectName": "Relaunch"}
    (pacts / PACT.name).write_text(json.dumps(pact))
    code, out = _verify(capsys, "--provider-url", provider.url, "--pacts", str(pacts))
    assert code == 1
    assert (
        "provider state 'a project exists' setup answered 400: state 'a project exists' takes "
        "no param projectName"
    ) in out


FIXTURES = Path(__file__).with_name("pacts")


@pytest.mark.parametrize(
    ("pact", "options"),
    [
        ("platform-web-js-v3.json", []),
        # A V2 pact has no provider-state generators: its credentials are literal.
        ("platform-web-legacy-v2.json", ["--token-from-state", "accessToken"]),
    ],
)
def test_v2_and_v3_pacts_pass_against_the_running_mock(
    make_server: Serve, capsys: pytest.CaptureFixture[str], pact: str, options: list[str]
) -> None:
    mock = make_server(create_app(SPEC))
    count = len(json.loads((FIXTURES / pact).read_text())["interactions"])
    code, out = _verify(
        capsys, "--provider-url", mock.url, "--pacts", str(FIXTURES / pact), *options
    )
    assert code == 0, out
    assert f"{count} interactions, {count} passed, 0 failed" in out


def _wrong_type_provider() -> Starlette:
    project_id = "11111111-2222-4333-8444-555555555555"

    async def states(request: Request) -> JSONResponse:
        return JSONResponse({"projectId": project_id, "accessToken": "token", "userId": project_id})

    async def project(request: Request) -> JSONResponse:
        body = {
            "id": project_id, "ownerId": project_id, "name": 42, "description": "x",
            "status": "active", "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-01T00:00:00Z",
        }  # fmt: skip
        return JSONResponse(body)

    return Starlette(
        routes=[
            Route("/_pact/provider-states", states, methods=["POST"]),
            Route("/api/v1/projects/{projectId}", project),
        ]
    )


def test_a_wrong_type_fails_naming_the_interaction_and_the_field(
    make_server: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = make_server(_wrong_type_provider())
    pacts = _only(tmp_path, "a request for a project")
    junit = tmp_path / "junit.xml"
    code, out = _verify(
        capsys, "--provider-url", provider.url, "--pacts", str(pacts), "--junit", str(junit)
    )
    assert code == 1
    assert "FAIL    a request for a project (given a project exists)" in out
    assert "body $.name" in out
    assert "Integer" in out
    failure = ET.parse(junit).getroot().find("testcase/failure")
    assert failure is not None
    assert "$.name" in (failure.get("message") or "")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--publish", "--broker-url", "http://127.0.0.1:9"], "--publish needs --provider-version"),
        (["--publish", "--provider-version", "1.0.0"], "--publish needs --broker-url"),
        (["--provider-version", "1.0.0"], "only apply with --publish"),
    ],
)
def test_broker_options_are_checked_before_anything_runs(
    capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    code, out = _verify(capsys, "--provider-url", "http://127.0.0.1:9", *options)
    assert code == 2
    assert message in out


def test_an_unreachable_provider_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pacts = _only(tmp_path, "a login")
    code, out = _verify(
        capsys, "--provider-url", "http://127.0.0.1:9", "--pacts", str(pacts),
        "--state-url", "http://127.0.0.1:9/_pact/provider-states",
    )  # fmt: skip
    assert code == 1
    assert "a login" in out
