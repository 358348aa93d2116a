"""Every committed pact, of every consumer, against both sides: the mock and the provider.

The Python consumer (`tests.contracts.scenarios`) and the JavaScript one (``contracts/js/``)
each wrote a pact; each must pass ``mockserver verify`` against the running mock (its states at
``/__mock/provider-states``) and the reference provider on SQLite (``/_pact/provider-states``),
and ``mockserver contracts check`` against the spec. A consumer whose expectation only one side
meets (the spec's problem ``type`` URIs, say) fails here, naming the pact and the side.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from mockserver.cli.main import main
from mockserver.server.app import create_app
from provider import CHEAP_PASSWORD_COST
from provider import create_app as create_provider
from tests.conftest import SPEC, RunningServer
from tests.contracts.pacts import PACTS
from tests.documents import load_yaml

pytestmark = pytest.mark.slow

PACT_FILES = sorted(PACTS.glob("*.json"))
Serve = Callable[..., RunningServer]


def _consumer(pact: Path) -> str:
    return str(json.loads(pact.read_text())["consumer"]["name"])


def _count(pact: Path) -> int:
    return len(json.loads(pact.read_text())["interactions"])


def test_both_consumers_have_committed_pacts() -> None:
    assert {_consumer(p) for p in PACT_FILES} == {"platform-web", "platform-web-js"}


@pytest.mark.parametrize("pact", PACT_FILES, ids=lambda p: p.stem)
def test_the_pact_fits_the_spec(pact: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["contracts", "check", "--pacts", str(pact), "--spec", str(SPEC)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"{_count(pact)} interactions, {_count(pact)} passed, 0 failed" in out


@pytest.mark.parametrize("side", ["mock", "provider"])
@pytest.mark.parametrize("pact", PACT_FILES, ids=lambda p: p.stem)
def test_the_pact_passes_against_both_sides(
    pact: Path, side: str, make_server: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if side == "mock":
        server = make_server(create_app(SPEC))
        states = server.url + "/__mock/provider-states"
    else:
        app = create_provider(
            database_url=f"sqlite:///{tmp_path / 'provider.sqlite3'}",
            test_states=True,
            password_cost=CHEAP_PASSWORD_COST,
        )
        server = make_server(app)
        states = server.url + "/_pact/provider-states"
    argv = ["verify", "--provider-url", server.url, "--pacts", str(pact), "--state-url", states]
    code = main(argv)
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert code == 0, f"{pact.name} against the {side}:\n{out}"
    count = _count(pact)
    assert f"{count} interactions, {count} passed, 0 failed" in out


def test_a_mock_naming_problems_otherwise_fails_the_js_pact(
    make_server: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A planted fault: the spec's problem examples moved to another host, so the mock (which
    # names its problems after them) no longer answers the type URIs the web consumer expects.
    document = load_yaml(SPEC.read_text())
    for example in document["components"]["examples"].values():
        value = example.get("value")
        if isinstance(value, dict) and isinstance(value.get("type"), str):
            value["type"] = value["type"].replace("errors.platform.example", "errors.other.example")
    altered = tmp_path / "openapi.yaml"
    altered.write_text(yaml.safe_dump(document, sort_keys=False))
    server = make_server(create_app(altered))
    pact = PACTS / "platform-web-js-platform-api.json"
    assert main(["verify", "--provider-url", server.url, "--pacts", str(pact)]) == 1
    out = capsys.readouterr().out
    assert "FAIL    a request from the web for an unknown project" in out
    assert "'https://errors.other.example/not-found'" in out
