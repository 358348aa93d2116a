"""What ``verify`` reports (`mockserver.pact.verify`): Pact's verifier run against one mock on
an in-thread server, on a few interactions of the committed pact, altered here to fail.

A verification of two interactions takes a fraction of a second, so these run in the fast
tier; `tests/pact/test_verify.py` verifies every pact against the mock and the provider.
"""

from __future__ import annotations

import copy
import functools
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver import create_app
from mockserver.errors import ConfigError
from mockserver.pact.verify import (
    MOCK_STATES,
    PROVIDER_STATES,
    InteractionResult,
    VerificationReport,
    default_state_url,
    format_report,
    junit_xml,
    provider_names,
    verify_pacts,
)
from tests.conftest import SPEC, RunningServer
from tests.contracts.pacts import PACTS
from tests.ports import free_port

PACT: dict[str, Any] = json.loads((PACTS / "platform-web-platform-api.json").read_text())
Alter = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningServer]:
    server = RunningServer(create_app(SPEC))
    yield server
    server.stop()


def pact_file(directory: Path, *descriptions: str, alter: dict[str, Alter] | None = None) -> Path:
    """A pact file in ``directory`` of these interactions of the committed pact, altered."""
    pact = copy.deepcopy(PACT)
    pact["interactions"] = [i for i in pact["interactions"] if i["description"] in descriptions]
    assert len(pact["interactions"]) == len(descriptions)
    for interaction in pact["interactions"]:
        change = (alter or {}).get(interaction["description"])
        if change is not None:
            change(interaction)
    path = directory / f"pact-{len(list(directory.iterdir()))}.json"
    path.write_text(json.dumps(pact))
    return path


@pytest.fixture
def write_pact(tmp_path: Path) -> Callable[..., Path]:
    """``write_pact(*descriptions, alter={description: change})``: a pact file of those."""
    return functools.partial(pact_file, tmp_path)


def _status(status: int) -> Alter:
    def change(interaction: dict[str, Any]) -> None:
        interaction["response"]["status"] = status

    return change


def _extra_field(interaction: dict[str, Any]) -> None:
    interaction["response"]["body"]["content"]["colour"] = "blue"


def test_verify_reports_each_passing_interaction(
    mock: RunningServer, write_pact: Callable[..., Path]
) -> None:
    report = verify_pacts(mock.url, pacts=write_pact("a login", "a request for a project"))
    assert report.passed
    assert (report.provider, report.errors) == ("platform-api", ())
    assert format_report(report).splitlines() == [
        "PASS    a login (given a user exists)",
        "PASS    a request for a project (given a project exists)",
        "platform-api: 2 interactions, 2 passed, 0 failed",
    ]
    suite = ET.fromstring(junit_xml(report).split("?>", 1)[1])
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "0")
    assert [case.get("classname") for case in suite] == ["platform-web", "platform-web"]


def test_verify_names_the_interaction_and_what_did_not_match(
    mock: RunningServer, write_pact: Callable[..., Path]
) -> None:
    pacts = write_pact(
        "a login",
        "a request for a project",
        alter={"a login": _status(418), "a request for a project": _extra_field},
    )
    report = verify_pacts(mock.url, pacts=pacts)
    assert not report.passed
    login, project = report.results
    assert (login.passed, project.passed) == (False, False)
    assert login.problems == ("status: expected 418 but was 200",)
    assert project.problems == ("body $: Actual map is missing the following keys: colour",)
    text = format_report(report)
    assert "FAIL    a login (given a user exists)" in text
    assert "platform-api: 2 interactions, 0 passed, 2 failed" in text
    suite = ET.fromstring(junit_xml(report).split("?>", 1)[1])
    failures = [case.find("failure") for case in suite]
    assert all(f is not None and f.text for f in failures)


def test_verify_counts_a_pending_failure_as_no_failure(
    mock: RunningServer, write_pact: Callable[..., Path]
) -> None:
    def pending(interaction: dict[str, Any]) -> None:
        _status(418)(interaction)
        interaction["pending"] = True

    report = verify_pacts(mock.url, pacts=write_pact("a login", alter={"a login": pending}))
    [result] = report.results
    assert (result.passed, result.pending) == (False, True)
    assert report.passed
    assert format_report(report).splitlines()[0] == "PENDING a login (given a user exists)"
    assert '<skipped message="pending interaction"' in junit_xml(report)


def test_verify_of_an_unreachable_provider_fails_every_interaction(
    write_pact: Callable[..., Path],
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    report = verify_pacts(url, pacts=write_pact("a login"), state_url=url + PROVIDER_STATES)
    [result] = report.results
    assert (report.passed, result.passed) == (False, False)
    assert result.problems == (
        "One or more of the setup state change handlers has failed",
        f"provider state 'a user exists' setup failed: cannot reach the state endpoint "
        f"{url}{PROVIDER_STATES}: [Errno 111] Connection refused",
    )


def test_verify_that_runs_nothing_reports_the_verifiers_own_words(
    mock: RunningServer, tmp_path: Path
) -> None:
    empty = copy.deepcopy(PACT)
    empty["interactions"] = []
    pact = tmp_path / "empty.json"
    pact.write_text(json.dumps(empty))
    report = verify_pacts(mock.url, pacts=pact)
    assert (report.passed, report.results) == (False, ())
    [error] = report.errors
    assert error
    assert f"ERROR   {error.splitlines()[0]}" in format_report(report)
    suite = ET.fromstring(junit_xml(report).split("?>", 1)[1])
    assert (suite.get("tests"), suite.get("errors")) == ("1", "1")


# -- the state change URL ------------------------------------------------------------------------


def test_default_state_url_is_the_mocks_when_the_provider_is_this_mock(
    mock: RunningServer,
) -> None:
    assert default_state_url(mock.url + "/") == mock.url + MOCK_STATES
    elsewhere = f"http://127.0.0.1:{free_port()}"
    assert default_state_url(elsewhere) == elsewhere + PROVIDER_STATES


# -- what is refused before the verifier runs ----------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"publish": True, "broker_url": "http://b"}, "--publish needs --provider-version"),
        ({"publish": True, "provider_version": "1"}, "--publish needs --broker-url"),
        ({"pacts": None}, "nothing to verify"),
        ({"pacts": Path("no/such/dir")}, "no pact files at no/such/dir"),
        ({"provider_url": "ftp://host"}, "expected --provider-url http(s)://host:port"),
    ],
)
def test_verify_refuses_options_that_cannot_work(options: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"pacts": PACTS, **options}
    url = arguments.pop("provider_url", "http://127.0.0.1:9")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        verify_pacts(url, **arguments)


def test_verify_needs_a_provider_name_when_the_pacts_name_several(tmp_path: Path) -> None:
    for name in ("shop", "billing"):
        other = copy.deepcopy(PACT)
        other["provider"]["name"] = name
        (tmp_path / f"{name}.json").write_text(json.dumps(other))
    assert provider_names(tmp_path) == ["billing", "shop"]
    with pytest.raises(ConfigError, match="found billing, shop; pass --provider"):
        verify_pacts("http://127.0.0.1:9", pacts=tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "cannot read pact file"), ('{"consumer": {}}', "not a pact file")],
)
def test_provider_names_refuse_what_is_not_a_pact(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "broken.json").write_text(content)
    with pytest.raises(ConfigError, match=message):
        provider_names(tmp_path)


def test_reports_without_results_or_with_problems_render_every_line() -> None:
    report = VerificationReport(
        "shop",
        (
            InteractionResult("web", "a cart", ("a user exists",), True),
            InteractionResult("web", "a checkout", (), False, ("status: expected 201",)),
            InteractionResult("", "a refund", (), False),
        ),
    )
    assert format_report(report).splitlines() == [
        "PASS    a cart (given a user exists)",
        "FAIL    a checkout",
        "        - status: expected 201",
        "FAIL    a refund",
        "shop: 3 interactions, 1 passed, 2 failed",
    ]
    suite = ET.fromstring(junit_xml(report).split("?>", 1)[1])
    assert [case.get("classname") for case in suite] == ["web", "web", "pact"]
    assert [f.get("message") for f in suite.iter("failure")] == ["status: expected 201", "failed"]
