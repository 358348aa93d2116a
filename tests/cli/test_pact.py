"""``mockserver verify`` and ``mockserver contracts check`` invoked in-process
(`mockserver.cli.pact`): exit codes, output, the JUnit file, and the defaults they find."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mockserver import create_app
from tests.cli.test_main import _exit
from tests.conftest import SPEC, RunningServer
from tests.pact.test_verify_reports import _status, pact_file


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningServer]:
    server = RunningServer(create_app(SPEC))
    yield server
    server.stop()


@pytest.fixture
def write_pact(tmp_path: Path) -> Callable[..., Path]:
    return functools.partial(pact_file, tmp_path)


def test_cli_verify_passes_prints_each_interaction_and_writes_junit(
    mock: RunningServer,
    write_pact: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    junit = tmp_path / "reports" / "pact" / "junit.xml"
    pacts = write_pact("a login", "a registration")
    argv = ["verify", "--provider-url", mock.url, "--pacts", str(pacts), "--junit", str(junit)]
    code, out, err = _exit(argv, capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "PASS    a login (given a user exists)",
        "PASS    a registration (given no data)",
        "platform-api: 2 interactions, 2 passed, 0 failed",
    ]
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("2", "0")


def test_cli_verify_exits_1_when_an_interaction_fails(
    mock: RunningServer, write_pact: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pacts = write_pact("a login", alter={"a login": _status(202)})
    code, out, _ = _exit(["verify", "--provider-url", mock.url, "--pacts", str(pacts)], capsys)
    assert code == 1
    assert "        - status: expected 202 but was 200" in out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--publish", "--broker-url", "http://b"], "--publish needs --provider-version"),
        (["--publish", "--provider-version", "1.0.0"], "--publish needs --broker-url"),
        (["--branch", "main"], "--provider-version and --branch only apply with --publish"),
        (["--pacts", "no/such/pacts"], "no pact files at no/such/pacts"),
    ],
)
def test_cli_verify_refuses_options_that_cannot_work_with_exit_2(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _exit(["verify", "--provider-url", "http://127.0.0.1:9", *options], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"mockserver verify: {message}")


def test_cli_verify_needs_a_provider_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _exit(["verify"], capsys)
    assert code == 2
    assert "the following arguments are required: --provider-url" in err


@pytest.mark.parametrize("argv", [["contracts"], ["contracts", "verify"]])
def test_cli_contracts_needs_its_action(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _exit(argv, capsys)
    assert code == 2
    assert "usage: mockserver contracts" in err


def test_cli_contracts_check_refuses_a_spec_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: x\npaths: {}\n")  # not YAML at all
    code, out, err = _exit(["contracts", "check", "--spec", str(broken)], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("mockserver contracts check: ")
    assert "broken.yaml" in err


def test_cli_contracts_check_finds_the_committed_pacts_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _exit(["contracts", "check"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].endswith("passed, 0 failed")
