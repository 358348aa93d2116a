"""``python -m provider`` end to end: help, refused settings, and serving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import httpguard.uvicorn_hooks
from provider.__main__ import main, parser
from tests.conftest import ROOT
from tests.ports import free_port
from tests.provider.conftest import TLS

pytestmark = pytest.mark.slow


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--host",
        "--port",
        "--database-url",
        "--test-states",
        "PROVIDER_JWT_SECRET",
        "--webhook-attempts",
        "--webhook-backoff",
        "--webhook-timeout",
        "--webhook-hosts",
        "PROVIDER_WEBHOOK_ATTEMPTS",
    ):
        assert option in out


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--database-url", "mysql://u@h/db"], {}, "expected a SQLite or PostgreSQL database URL"),
        (["--port", "70000"], {}, "expected --port between 0 and 65535, got --port=70000"),
        ([], {"PROVIDER_JWT_SECRET": "short"}, "at least 32 bytes"),
        ([], {"DATABASE_URL": "oracle://u@h/db"}, "expected a SQLite or PostgreSQL database URL"),
        (["--webhook-attempts", "0"], {}, "expected webhook attempts >= 1, got attempts=0"),
        ([], {"PROVIDER_WEBHOOK_BACKOFF": "soon"}, "got backoff='soon'"),
        (["--webhook-hosts", "a b"], {}, "webhook host pattern 'a b' is neither"),
    ],
)
def test_a_bad_setting_exits_2_with_the_reason(
    args: list[str],
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_a_uvicorn_without_a_hook_httpguard_needs_exits_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(httpguard.uvicorn_hooks, "UVICORN_HOOKS", ("on_renamed_hook",))
    assert main(["--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: uvicorn ")
    assert "has no on_renamed_hook" in err


def test_test_states_is_off_unless_asked_for() -> None:
    assert parser().parse_args([]).test_states is False
    assert parser().parse_args(["--test-states"]).test_states is True


def test_it_serves_the_api_on_a_sqlite_file_under_the_working_directory(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "provider", "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", verify=TLS, trust_env=False
        ) as client:
            health = wait_for_health(client, server)
            assert health.json()["status"] == "ok"
            assert (
                client.post("/_pact/provider-states", json={"state": "no data"}).status_code == 404
            )
        assert (tmp_path / ".data" / "provider.sqlite3").is_file()
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it: the exit is "killed by TERM".
    assert server.returncode in (0, -signal.SIGTERM)
    assert f"http://127.0.0.1:{port}/api/v1" in out


def wait_for_health(client: httpx.Client, server: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return client.get("/api/v1/health")
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
