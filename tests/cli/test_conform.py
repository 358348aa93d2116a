"""``mockserver conform`` invoked in-process (`mockserver.cli.conform`): exit codes, output,
the JUnit file, usage errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.cli.main import main
from tests.cli.test_main import _exit
from tests.conform.conftest import _serve


@pytest.fixture(scope="module")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A clean provider and one that leaks a password hash, by name."""
    clean = _serve(tmp_path_factory.mktemp("clean"))
    leaky = _serve(tmp_path_factory.mktemp("leaky"), "extra property")
    yield {"clean": clean.url, "leaky": leaky.url}
    clean.stop()
    leaky.stop()


def test_cli_conform_exits_0_on_a_conforming_provider_and_writes_junit(
    providers: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "reports" / "conform.xml"
    argv = ["conform", "--provider-url", providers["clean"], "--max-examples", "1"]
    assert main([*argv, "--seed", "3", "--junit", str(junit)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mockserver conform: no divergence in ")
    assert ET.parse(junit).getroot().get("failures") == "0"


def test_cli_conform_exits_1_and_prints_each_divergence_with_a_curl_script(
    providers: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "conform.xml"
    argv = ["conform", "--provider-url", providers["leaky"], "--max-examples", "1"]
    assert main([*argv, "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        "DIVERGENCE 1 of 1: extra property of registerUser at body.passwordHash: "
        "the mock answered no such property, the provider one\n"
        "  shortest program: 1 step(s), 1 request(s)\n"
    )
    assert "curl -sS" in out
    assert "1 divergence(s)" in out
    assert ET.parse(junit).getroot().get("failures") == "1"


def test_cli_conform_exits_2_when_the_provider_does_not_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A fractional quiet window is accepted; the unreachable provider is what ends the run.
    argv = ["conform", "--provider-url", "http://127.0.0.1:9", "--webhook-settle", "0.5"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockserver conform: the provider at http://127.0.0.1:9 did not answer")


def test_cli_conform_exits_2_on_a_spec_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["conform", "--provider-url", "http://p", "--spec", str(missing)]) == 2
    assert "nope.yaml: file not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "--provider-url"),
        (["--provider-url", "http://p", "--max-examples", "0"], "expected a positive integer"),
        (["--provider-url", "http://p", "--seed", "x"], "expected an integer seed"),
        (["--provider-url", "ftp://p"], "expected an http(s) URL"),
        (["--provider-url", "http://p", "--webhook-settle", "0"], "expected a positive number"),
        (["--provider-url", "http://p", "--webhook-settle", "nan"], "expected a positive number"),
        (["--provider-url", "http://p", "--webhook-settle", "soon"], "expected a positive number"),
    ],
)
def test_cli_conform_refuses_bad_options_with_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _exit(["conform", *argv], capsys)
    assert code == 2
    assert message in err
