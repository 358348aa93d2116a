"""What ``verify`` explains through its relay (`mockserver.pact.relay`): Pact's verifier run
against the mock on an in-thread server, on one interaction of the committed pact altered so
that a state setup is refused, a generator names a value the state does not answer, the
provider wants a header, or the pact holds a literal credential.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import create_app
from mockserver.cli.main import main
from mockserver.pact.relay import STATE_PATH, Relay
from mockserver.pact.verify import MOCK_STATES, format_report, junit_xml, verify_pacts
from tests.conftest import SPEC, RunningServer
from tests.contracts.pacts import PACTS
from tests.ports import free_port

PACT: dict[str, Any] = json.loads((PACTS / "platform-web-platform-api.json").read_text())
Alter = Callable[[dict[str, Any]], None]


def _tenant_only(app: ASGIApp) -> ASGIApp:
    """The mock, refusing API requests without ``X-Tenant: acme`` (a gateway's rule)."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or ())
        if (
            scope["type"] == "http"
            and scope["path"].startswith("/api/")
            and headers.get(b"x-tenant") != b"acme"
        ):
            body = b'{"title": "Bad Request", "status": 400, "detail": "X-Tenant required"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [(b"content-type", b"application/problem+json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return guarded


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningServer]:
    server = RunningServer(create_app(SPEC))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningServer]:
    server = RunningServer(_tenant_only(create_app(SPEC)))
    yield server
    server.stop()


def _pact(tmp_path: Path, description: str, alter: Alter | None = None) -> Path:
    pact = copy.deepcopy(PACT)
    pact["interactions"] = [i for i in pact["interactions"] if i["description"] == description]
    if alter is not None:
        alter(pact["interactions"][0])
    path = tmp_path / "pact.json"
    path.write_text(json.dumps(pact))
    return path


def _given(*states: dict[str, Any]) -> Alter:
    def change(interaction: dict[str, Any]) -> None:
        interaction["providerStates"] = list(states)

    return change


@pytest.mark.parametrize(
    ("state", "detail"),
    [
        ({"name": "a project exist"}, "unknown provider state 'a project exist'; known: "),
        (
            {"name": "a project exists", "params": {"projectName": "X"}},
            "state 'a project exists' takes no param projectName; its params: description, "
            "email, name, projectId, status",
        ),
    ],
    ids=["unknown state", "unknown param"],
)
def test_a_refused_state_setup_is_reported_with_the_endpoints_detail(
    mock: RunningServer, tmp_path: Path, state: dict[str, Any], detail: str
) -> None:
    pacts = _pact(tmp_path, "a request for a project", _given(state))
    report = verify_pacts(mock.url, pacts=pacts)
    [result] = report.results
    assert not result.passed
    assert result.problems[0] == "One or more of the setup state change handlers has failed"
    expected = f"provider state {state['name']!r} setup answered 400: {detail}"
    assert result.problems[1].startswith(expected), result.problems
    assert expected in format_report(report)
    assert expected in junit_xml(report)


def test_a_generator_naming_a_value_the_state_did_not_answer_is_reported_by_name(
    mock: RunningServer, tmp_path: Path
) -> None:
    def rename(interaction: dict[str, Any]) -> None:
        interaction["request"]["generators"]["path"]["expression"] = "/api/v1/projects/${id}"

    report = verify_pacts(mock.url, pacts=_pact(tmp_path, "a request for a project", rename))
    [result] = report.results
    assert not result.passed
    assert (
        "request path: the provider-state generator '/api/v1/projects/${id}' names ${id}, "
        "which 'a project exists' did not answer (the example value was sent); it answered "
        "accessToken, projectId, refreshToken, userId"
    ) in result.problems


def test_an_interaction_whose_generators_are_answered_reports_nothing_more(
    mock: RunningServer, tmp_path: Path
) -> None:
    report = verify_pacts(mock.url, pacts=_pact(tmp_path, "a request for a project"))
    [result] = report.results
    assert (result.passed, result.problems) == (True, ())


def test_extra_headers_are_set_on_every_replayed_request(
    gateway: RunningServer, tmp_path: Path
) -> None:
    pacts = _pact(tmp_path, "a request for a project")
    without = verify_pacts(gateway.url, pacts=pacts)
    assert not without.passed
    assert "status: expected 200 but was 400" in without.results[0].problems
    report = verify_pacts(gateway.url, pacts=pacts, headers=[("X-Tenant", "acme")])
    assert report.passed, format_report(report)


def _literal_credentials(interaction: dict[str, Any]) -> None:
    """The pact-js idiom: an Authorization example and no provider-state generator."""
    del interaction["request"]["generators"]["header"]


def test_a_literal_credential_gets_the_token_its_state_answered(
    mock: RunningServer, tmp_path: Path
) -> None:
    pacts = _pact(tmp_path, "a request for a project", _literal_credentials)
    literal = verify_pacts(mock.url, pacts=pacts)
    assert not literal.passed
    assert "status: expected 200 but was 401" in literal.results[0].problems
    report = verify_pacts(mock.url, pacts=pacts, token_from_state="accessToken")
    assert report.passed, format_report(report)


def test_the_token_is_left_alone_where_the_interaction_expects_a_401(
    mock: RunningServer, tmp_path: Path
) -> None:
    unknown = next(i for i in PACT["interactions"] if i["response"]["status"] == 401)
    report = verify_pacts(
        mock.url, pacts=_pact(tmp_path, unknown["description"]), token_from_state="accessToken"
    )
    assert report.passed, format_report(report)


def test_verify_cli_passes_headers_and_the_token_option(
    gateway: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pacts = _pact(tmp_path, "a request for a project", _literal_credentials)
    args = ["verify", "--provider-url", gateway.url, "--pacts", str(pacts)]
    assert main([*args, "--header", "X-Tenant: acme", "--token-from-state", "accessToken"]) == 0
    assert "1 interactions, 1 passed, 0 failed" in capsys.readouterr().out


@pytest.mark.parametrize("header", ["X-Tenant", ":acme", "X Tenant:acme"])
def test_verify_cli_refuses_a_header_without_name_and_value(
    capsys: pytest.CaptureFixture[str], header: str
) -> None:
    assert main(["verify", "--provider-url", "http://127.0.0.1:9", "--header", header]) == 2
    assert f"expected --header NAME:VALUE, got {header!r}" in capsys.readouterr().err


def test_the_relay_keeps_each_state_change_and_forwards_requests(mock: RunningServer) -> None:
    with Relay(mock.url, mock.url + MOCK_STATES, headers=[("X-Extra", "1")]) as relay:
        assert relay.relays_requests
        answered = httpx.post(
            relay.url + STATE_PATH, json={"state": "no such state", "action": "setup"}
        )
        assert answered.status_code == 400
        health = httpx.get(relay.url + "/__mock/health")
        assert health.status_code == 200
        [call] = relay.calls()
    assert (call.state, call.action, call.status, call.failed) == (
        "no such state", "setup", 400, True
    )  # fmt: skip
    assert call.detail.startswith("unknown provider state 'no such state'")


def test_the_relay_answers_an_unreachable_endpoint_without_a_5xx() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Relay(url, url + "/states") as relay:
        assert not relay.relays_requests
        state = httpx.post(relay.url + STATE_PATH, content=b"not json")
        assert state.status_code == 424
        request = httpx.get(relay.url + "/api/v1/projects")
        assert request.status_code == 502
        [call] = relay.calls()
    assert call.status == 0
    assert "cannot reach the state endpoint" in call.detail


def test_a_token_name_the_state_does_not_answer_is_reported(
    mock: RunningServer, tmp_path: Path
) -> None:
    pacts = _pact(tmp_path, "a request for a project", _literal_credentials)
    report = verify_pacts(mock.url, pacts=pacts, token_from_state="token")
    [result] = report.results
    assert not result.passed
    assert (
        "--token-from-state token: 'a project exists' answered no token, so the literal "
        "Authorization was sent; it answered accessToken, projectId, refreshToken, userId"
    ) in result.problems
