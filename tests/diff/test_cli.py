"""``mockserver diff`` invoked in-process (`mockserver.cli.diff`): exit codes 0/1/2, the
formats, ``--fail-on``, git revisions and the usage errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.test_main import _exit
from tests.conftest import SPEC
from tests.diff.builders import base, drop, edited, put
from tests.diff.test_impact import write_pacts
from tests.diff.test_load import make_repo

USERS = "/paths/~1users"


@pytest.fixture
def sides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory (the working directory meanwhile) holding the base document as
    ``old.yaml`` and edited ones: ``breaking.yaml``, ``possibly.yaml``, ``safe.yaml``."""
    documents = {
        "old": base(),
        "breaking": edited([drop(f"{USERS}/get")]),
        "possibly": edited([drop(f"{USERS}/get/parameters/0")]),
        "safe": edited([put(f"{USERS}/get/responses/200/headers/ETag", {"schema": {}})]),
    }
    for name, document in documents.items():
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(document))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("new", "options", "code"),
    [
        ("old.yaml", [], 0),
        ("safe.yaml", [], 0),
        ("safe.yaml", ["--fail-on", "possibly"], 0),
        ("possibly.yaml", [], 0),
        ("possibly.yaml", ["--fail-on", "possibly"], 1),
        ("breaking.yaml", [], 1),
    ],
)
def test_diff_exits_1_only_on_what_fails(
    sides: Path, new: str, options: list[str], code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit(["diff", "old.yaml", new, *options], capsys)[0] == code


def test_diff_prints_each_breaking_change_with_its_rule_and_places(
    sides: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _exit(["diff", "old.yaml", "breaking.yaml"], capsys)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "mockserver diff old.yaml -> breaking.yaml: 1 breaking, 0 possibly-breaking, 0 safe",
        "breaking: operation-removed: GET /users: GET /users was removed without being "
        "deprecated first",
        "    old: old.yaml#/paths/~1users/get",
        "    new: breaking.yaml#/paths/~1users",
    ]


@pytest.mark.parametrize("format", ["json", "markdown"])
def test_diff_formats_for_ci(sides: Path, format: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _exit(["diff", "old.yaml", "possibly.yaml", "--format", format], capsys)
    assert code == 0
    if format == "json":
        [finding] = json.loads(out)["findings"]
        assert finding["rule"] == "request-parameter-removed"
        assert finding["old"] == "/paths/~1users/get/parameters/0"
    else:
        assert "| possibly-breaking | `request-parameter-removed` |" in out


def test_the_bundled_spec_against_itself_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _exit(["diff", str(SPEC), str(SPEC)], capsys)
    assert code == 0
    assert out.endswith(": 0 breaking, 0 possibly-breaking, 0 safe\n")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_reads_git_revisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(make_repo(tmp_path / "repo"))
    code, out, _ = _exit(["diff", "v1:api/openapi.yaml", "v2:api/openapi.yaml"], capsys)
    assert code == 1
    assert "breaking: path-removed: /pets: path /pets was removed" in out
    assert _exit(["diff", "v2:api/openapi.yaml", "api/openapi.yaml"], capsys)[0] == 0


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["diff", "missing.yaml", "old.yaml"], "mockserver diff: missing.yaml: no such file"),
        (["diff", "old.yaml", "HEAD:nothing.yaml"], "mockserver diff: HEAD:nothing.yaml: git "),
        (["diff", "old.yaml"], "the following arguments are required: new"),
        (["diff", "old.yaml", "old.yaml", "--format", "xml"], "invalid choice: 'xml'"),
        (["diff", "old.yaml", "old.yaml", "--fail-on", "safe"], "invalid choice: 'safe'"),
        (["diff", "old.yaml", "old.yaml", "--pacts", "nowhere"], "--pacts nowhere: no such"),
        (["diff", "old.yaml", "old.yaml", "--pacts", "."], "--pacts .: no *.json pact files"),
        (["diff", "old.yaml", "old.yaml", "--pacts", "x", "--no-pacts"], "not allowed with"),
        (["diff", "old.yaml", "old.yaml", "--ignore", "none.yaml"], "--ignore none.yaml: no such"),
    ],
)
def test_diff_usage_errors_exit_2_and_say_why(
    sides: Path, argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _exit(argv, capsys)
    assert (code, out) == (2, "")
    assert said in err


def test_diff_help_names_the_formats_and_fail_on(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _exit(["diff", "--help"], capsys)
    assert code == 0
    assert "{text,json,markdown,junit,github}" in out
    assert "--fail-on {breaking,possibly}" in out
    assert "--pacts DIR" in out
    assert "--no-pacts" in out
    assert "--ignore FILE" in out


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The documents of `sides` once for the module, by name, as absolute paths."""
    folder = tmp_path_factory.mktemp("sides")
    edits = {
        "old": [],
        "breaking": [drop(f"{USERS}/get")],
        "possibly": [drop(f"{USERS}/get/parameters/0")],
        "safe": [put(f"{USERS}/get/responses/200/headers/ETag", {"schema": {}})],
    }
    paths = {}
    for name, changes in edits.items():
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(yaml.safe_dump(edited(changes)))
    paths["pacts"] = write_pacts(folder / "pacts")
    paths["ignore"] = folder / "ignore.yaml"
    paths["ignore"].write_text(
        "- {rule: operation-removed, location: GET /users, reason: accepted}\n"
    )
    return paths


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    old=st.sampled_from(["old", "breaking", "possibly", "safe"]),
    new=st.sampled_from(["old", "breaking", "possibly", "safe"]),
    format=st.sampled_from([None, "text", "json", "markdown", "junit", "github"]),
    fail_on=st.sampled_from([None, "breaking", "possibly"]),
    pacts=st.sampled_from([None, "--pacts", "--no-pacts"]),
    ignore=st.booleans(),
)
def test_no_combination_of_sides_and_options_crashes(
    documents: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    format: str | None,
    fail_on: str | None,
    pacts: str | None,
    ignore: bool,
) -> None:
    options = [
        *(["--format", format] if format else []),
        *(["--fail-on", fail_on] if fail_on else []),
        *(["--pacts", str(documents["pacts"])] if pacts == "--pacts" else []),
        *(["--no-pacts"] if pacts == "--no-pacts" else []),
        *(["--ignore", str(documents["ignore"])] if ignore else []),
    ]
    code, out, err = _exit(["diff", str(documents[old]), str(documents[new]), *options], capsys)
    assert code in (0, 1)
    assert err == ""
    if format == "json" and not ignore:
        report = json.loads(out)
        failing = report["summary"]["breaking"] + (
            report["summary"]["possibly-breaking"] if fail_on == "possibly" else 0
        )
        assert code == (1 if failing else 0)
    if old == new:
        assert code == 0


def test_diff_reads_the_default_pacts_and_names_the_consumers(
    sides: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_pacts(sides / "contracts" / "pacts")
    code, out, _ = _exit(["diff", "old.yaml", "breaking.yaml"], capsys)
    assert code == 1
    assert "consumers: breaks 1 consumer(s): web (3 interactions)" in out
    assert '    consumer web: "a list" (GET /users)' in out
    code, out, _ = _exit(["diff", "old.yaml", "breaking.yaml", "--no-pacts"], capsys)
    assert "consumer" not in out


def test_diff_with_pacts_says_when_no_pact_exercises_a_breaking_change(
    sides: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pacts = write_pacts(sides / "elsewhere", interactions=[])
    code, out, _ = _exit(["diff", "old.yaml", "breaking.yaml", "--pacts", str(pacts)], capsys)
    assert code == 1
    assert "    consumers: no pact exercises it" in out
    assert "consumers: breaks no consumer" in out


def test_diff_ignores_what_the_default_ignore_file_accepts(
    sides: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (sides / ".mockserver-diff-ignore.yaml").write_text(
        "- rule: operation-removed\n  location: GET /users\n  reason: moved to /people\n"
    )
    code, out, _ = _exit(["diff", "old.yaml", "breaking.yaml"], capsys)
    assert code == 0
    assert "    reason: moved to /people (ignore entry 1)" in out


def test_diff_fails_again_when_the_ignore_entry_expired(
    sides: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (sides / "accepted.yaml").write_text(
        "- {rule: operation-removed, location: GET /users, reason: r, expires: 2020-01-01}\n"
    )
    code, out, _ = _exit(["diff", "old.yaml", "breaking.yaml", "--ignore", "accepted.yaml"], capsys)
    assert code == 1
    assert "expired: ignore entry 1 (operation-removed at GET /users) expired 2020-01-01" in out


def test_a_malformed_ignore_file_exits_2_naming_the_entry(
    sides: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (sides / ".mockserver-diff-ignore.yaml").write_text("- {rule: operation-removed}\n")
    code, out, err = _exit(["diff", "old.yaml", "breaking.yaml"], capsys)
    assert (code, out) == (2, "")
    assert ".mockserver-diff-ignore.yaml: entry 1: expected location" in err


def test_diff_annotates_for_github_and_writes_junit(
    sides: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _exit(["diff", "old.yaml", "breaking.yaml", "--format", "github"], capsys)
    assert code == 1
    users = (sides / "breaking.yaml").read_text().splitlines().index("  /users:") + 1
    assert out.startswith(
        f"::error file=breaking.yaml,line={users},title=operation-removed%3A GET /users::"
    )
    code, out, _ = _exit(["diff", "old.yaml", "breaking.yaml", "--format", "junit"], capsys)
    assert code == 1
    assert '<testsuite name="mockserver diff old.yaml -&gt; breaking.yaml" tests="1"' in out


def test_diff_names_each_ref_it_cannot_follow_on_stderr(
    sides: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dangling = {"$ref": "./gone.yaml#/User"}
    broken = edited([put(f"{USERS}/get/responses/200/content/application~1json/schema", dangling)])
    (sides / "broken.yaml").write_text(yaml.safe_dump(broken))
    code, out, err = _exit(["diff", "broken.yaml", "broken.yaml"], capsys)
    assert code == 0
    assert out.startswith("mockserver diff broken.yaml -> broken.yaml: 0 breaking")
    warnings = err.splitlines()
    assert len(warnings) == 2  # one per side
    assert all("$ref './gone.yaml#/User' points at a missing file" in w for w in warnings)
    assert "what it points to is not compared" in warnings[0]
    assert _exit(["diff", "old.yaml", "old.yaml"], capsys)[2] == ""  # quiet when all resolve
