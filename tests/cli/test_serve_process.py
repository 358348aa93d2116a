"""The ``mockserver`` command line, invoked as a user would."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import httpguard.uvicorn_hooks
from mockserver.cli.main import main
from tests.conftest import SPEC
from tests.ports import free_port

LINT_SPECS = Path(__file__).parent.parent / "specs" / "lint"


class ServeProcess:
    """``mockserver serve`` in a subprocess, with its first output line."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", *args, "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.banner = self.process.stdout.readline().strip()
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"mockserver serve did not start: {self.banner}")

    def stop(self) -> str:
        self.process.terminate()
        _, err = self.process.communicate(timeout=10)
        return err


@pytest.fixture
def serve() -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for process in started:
        process.stop()


def test_cli_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "serve" in result.stdout
    assert "lint" in result.stdout


def test_cli_without_a_command_exits_with_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "usage: mockserver" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["-1", "70000", "http"])
def test_cli_serve_rejects_a_bad_port(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--port", port])
    assert exc.value.code == 2
    assert f"got {port!r}" in capsys.readouterr().err


def test_cli_serve_refuses_a_missing_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "does/not/exist.yaml"]) == 2
    assert "does/not/exist.yaml" in capsys.readouterr().err


def test_cli_serve_strict_refuses_an_invalid_spec_naming_file_and_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: {}\n")
    assert main(["serve", "--strict", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml" in err
    assert "/info" in err


def test_cli_serve_refuses_a_uvicorn_without_a_hook_httpguard_needs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(httpguard.uvicorn_hooks, "UVICORN_HOOKS", ("on_renamed_hook",))
    assert main(["serve", str(SPEC)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockserver: uvicorn ")
    assert "has no on_renamed_hook" in err


@pytest.mark.slow
def test_cli_serve_prints_url_and_operation_count_and_serves(
    serve: list[ServeProcess],
) -> None:
    process = ServeProcess(str(SPEC), "--seed", "3")
    serve.append(process)
    assert process.banner == (
        f"mockserver: 38 operations of {SPEC} on http://127.0.0.1:{process.port}/api/v1"
    )
    response = httpx.get(process.url + "/api/v1/health")
    assert response.json() == {"status": "ok", "version": "1.0.0"}
    # A Date, and no "server: uvicorn": the mock stands in for a backend, not for uvicorn.
    assert "date" in response.headers
    assert "server" not in response.headers


@pytest.mark.slow
def test_cli_serve_reload_picks_up_spec_edits(tmp_path: Path, serve: list[ServeProcess]) -> None:
    spec = tmp_path / "openapi.yaml"
    shutil.copy(SPEC, spec)
    process = ServeProcess(str(spec), "--reload")
    serve.append(process)
    assert httpx.get(process.url + "/api/v1/health").json()["version"] == "1.0.0"
    spec.write_text(spec.read_text().replace("version: 1.0.0 }", "version: 2.0.0 }"))
    deadline = time.monotonic() + 20
    while httpx.get(process.url + "/api/v1/health").json()["version"] != "2.0.0":
        assert time.monotonic() < deadline, "the edit was not picked up"
        time.sleep(0.1)


def test_cli_lint_passes_a_clean_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(SPEC)]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_cli_lint_fails_on_problems_and_names_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(LINT_SPECS / "problems.yaml")]) == 1
    out = capsys.readouterr().out
    assert "error: " in out
    assert "problems.yaml#/" in out


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--latency", "fast", "latency"),
        ("--latency", "200-50", "latency"),
        ("--chaos", "2", "between 0 and 1"),
        ("--chaos", "lots", "between 0 and 1"),
    ],
)
def test_cli_serve_rejects_bad_fault_options(
    flag: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", flag, value])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_serve_refuses_unreadable_fixtures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "fixtures.json"
    broken.write_text("{not json")
    assert main(["serve", "--fixtures", str(broken)]) == 2
    assert "fixtures.json" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_serve_stateless_answers_examples(serve: list[ServeProcess]) -> None:
    process = ServeProcess(str(SPEC), "--stateless")
    serve.append(process)
    project = "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d"
    response = httpx.get(
        f"{process.url}/api/v1/projects/{project}", headers={"Authorization": "Bearer any"}
    )
    assert response.json()["name"] == "Website relaunch"


@pytest.mark.slow
def test_cli_serve_stateful_by_default_refuses_foreign_tokens(serve: list[ServeProcess]) -> None:
    process = ServeProcess(str(SPEC))
    serve.append(process)
    response = httpx.get(f"{process.url}/api/v1/auth/me", headers={"Authorization": "Bearer any"})
    assert response.status_code == 401


@pytest.mark.slow
def test_cli_serve_mounts_several_specs_on_one_port(serve: list[ServeProcess]) -> None:
    shop = Path(__file__).parent.parent / "specs" / "engine" / "shop.yaml"
    process = ServeProcess(str(SPEC), str(shop), "--mount", f"/billing={shop}", "--seed", "1")
    serve.append(process)
    assert process.banner.endswith(f"on {process.url}/api/v1")
    with httpx.Client(base_url=process.url) as client:
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/v2/items/featured").status_code == 200
        assert client.get("/billing/items/featured").status_code == 200
        assert client.get("/elsewhere").json()["code"] == "no_such_mount"
        health = client.get("/__mock/health").json()
        assert [m["basePath"] for m in health["mounts"]] == ["/api/v1", "/v2", "/billing"]
        assert health["journalEntries"] == 3
