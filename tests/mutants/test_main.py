"""``python -m mutants``: the catalogue commands, usage errors, and one real run end to end.

The end-to-end run is the smoke pass of the slow tier: the clean provider and one fault served
from scratch copies, through ``mockserver verify`` only (about half a minute).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mutants.__main__ import main
from mutants.catalogue import load_catalogue


def test_list_prints_every_fault(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert f"{len(load_catalogue())} faults" in out
    assert "bola-project-read" in out


def test_check_confirms_every_fault_applies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "--category", "semantics"]) == 0
    assert "0 problems" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--only", "no-such-fault"], "unknown no-such-fault"),
        (["--detectors", "nope", "--only", "sem-pages-floor"], "expected detectors among"),
        (["--category", "nope"], "expected categories among"),
    ],
)
def test_usage_errors_exit_2_and_say_what_is_accepted(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_report_renders_a_results_file_again_and_refuses_anything_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--report", str(tmp_path / "latest.json")]) == 2
    assert "expected a latest.json" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--jobs", "0"], ["--only", ","]])
def test_bad_option_values_are_refused_by_the_parser(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


@pytest.mark.slow
def test_verify_passes_the_clean_provider_and_catches_a_broken_ownership_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--only", "bola-project-read", "--detectors", "verify", "--jobs", "2"]
    argv += ["--out", str(tmp_path)]
    assert main(argv) == 0
    document = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert document["false_positives"] == []
    assert document["baseline"]["outcomes"]["verify"]["verdict"] == "passed"
    (fault,) = document["faults"]
    assert fault["detected_by"] == ["verify"]
    assert "another user's project" in fault["outcomes"]["verify"]["evidence"]
    assert document["rates"] == {"verify": 1.0, "combined": 1.0}
    assert "1/1 (100%)" in capsys.readouterr().out
    (tmp_path / "latest.md").unlink()
    assert main(["--report", str(tmp_path / "latest.json")]) == 0
    assert "bola-project-read" in (tmp_path / "latest.md").read_text(encoding="utf-8")
