"""The ``mockserver`` command line, invoked as a user would."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mockserver.cli import main


def test_cli_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "serve" in result.stdout


def test_cli_without_a_command_exits_with_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "usage: mockserver" in capsys.readouterr().err


def test_cli_serve_refuses_a_missing_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "does/not/exist.yaml"]) == 2
    assert "does/not/exist.yaml" in capsys.readouterr().err
