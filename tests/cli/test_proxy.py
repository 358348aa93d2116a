"""``mockserver proxy``: options checked at the boundary, reports and the exit code."""

from __future__ import annotations

import gc
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from mockserver.cli.main import main
from tests.conftest import SPEC, RunningServer
from tests.inprocess import InProcess
from tests.ports import free_port
from tests.proxy.conftest import provider_app

_VIOLATION = {"in": "response", "field": "status", "code": "status", "message": "m"}


def _exit(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_proxy_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["proxy", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--upstream", "--mock", "--mock-missing", "--record", "--report", "--junit",
                   "--fail-on-violation", "--upstream-timeout", "--upstream-insecure"):  # fmt: skip
        assert option in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--upstream", "ftp://x"], "expected an http:// or https:// URL"),
        (["--upstream", "http://127.0.0.1:9", "--mock", "nope"], "--mock nope"),
    ],
)
def test_cli_proxy_refuses_bad_options_with_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _exit(["proxy", str(SPEC), *argv], capsys)
    assert code == 2
    assert message in err


def test_cli_proxy_refuses_a_spec_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _exit(["proxy", str(tmp_path / "none.yaml"), "--upstream", "http://x"], capsys)
    assert code == 2
    assert "cannot" in err


@pytest.fixture
def serving(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """``uvicorn.run`` starts and stops the app's lifespan, after one violation if asked."""
    runs: list[dict[str, Any]] = []

    def run(app: Any, **options: Any) -> None:
        runs.append(options)
        if options["port"] == 1:  # the tests' sign for "traffic with one violation"
            app.state.proxy.report.add("getHealth", "getHealth", [_VIOLATION], 1)
        InProcess(app).close()  # the lifespan's end writes the reports

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)
    yield runs
    gc.unfreeze()  # the command froze what the test process had built


@pytest.mark.parametrize(("port", "fail", "code"), [(1, True, 1), (1, False, 0), (2, True, 0)])
def test_cli_proxy_writes_reports_at_exit_and_fails_on_violation_when_asked(
    port: int,
    fail: bool,
    code: int,
    serving: list[dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report, junit = tmp_path / "v.json", tmp_path / "j.xml"
    argv = ["proxy", str(SPEC), "--upstream", "http://127.0.0.1:9/api/v1", "--port", str(port),
            "--report", str(report), "--junit", str(junit)]  # fmt: skip
    exit_code, out, _ = _exit([*argv, *(["--fail-on-violation"] if fail else [])], capsys)
    assert exit_code == code
    assert "proxying" in out
    assert "to http://127.0.0.1:9/api/v1" in out
    violations = 1 if port == 1 else 0
    assert f"{violations} exchanges, {violations} violations" in out
    assert orjson.loads(report.read_bytes())["violations"] == violations
    assert junit.read_text().startswith("<?xml")
    assert serving[0]["port"] == port


@pytest.mark.slow
def test_cli_proxy_process_reports_a_violation_and_exits_1(tmp_path: Path) -> None:
    provider = RunningServer(provider_app(tmp_path))
    port = free_port()
    report = tmp_path / "violations.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "proxy", str(SPEC), "--port", str(port),
         "--upstream", provider.url + "/api/v1", "--report", str(report),
         "--fail-on-violation"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(url + "/health").headers["x-mock-violations"] == "0"
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the proxy did not start"
                time.sleep(0.1)
        assert httpx.get(url + "/undeclared").headers["x-mock-violations"] == "1"
        # One Server (the provider's: uvicorn adds none) and one Date (the proxy's).
        direct, proxied = httpx.get(provider.url + "/api/v1/health"), httpx.get(url + "/health")
        for name in ("server", "date"):
            assert len(proxied.headers.get_list(name)) == 1, proxied.headers
        assert proxied.headers["server"] == direct.headers["server"]
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        provider.stop()
    assert process.returncode == 1
    assert "3 exchanges, 1 violations" in out
    assert orjson.loads(report.read_bytes())["violations"] == 1
