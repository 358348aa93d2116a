"""`mockserver.diff.ci`: JUnit XML (a test case per finding, failures for what fails the run,
ignored ones skipped) and GitHub annotations (error / warning, on the new file)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from mockserver.diff.impact import Use
from mockserver.diff.report import Report, render
from tests.diff.builders import base, diff, drop, edited
from tests.diff.cases import USERS
from tests.diff.test_report import ALL, BREAKING, ENTRY, POSSIBLY, SAFE


def test_junit_has_a_case_per_finding_and_fails_only_what_fails_the_run() -> None:
    report = Report(ALL, old="a", new="b", consumers={BREAKING: [Use("web", "a list", "q")]})
    suite = ET.fromstring(render(report, format="junit"))
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [case.get("classname") for case in cases] == ["GET /users", "GET /users", "/pets"]
    assert cases[0].get("name") == "request-parameter-added-required: q added"
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("type") == "breaking"
    assert 'consumer web: "a list" (q)' in (failure.text or "")
    assert [case.find("failure") is None for case in cases] == [False, True, True]


def test_junit_skips_ignored_findings_with_the_reason() -> None:
    report = Report([POSSIBLY], old="a", new="b", ignored={POSSIBLY: ENTRY}, fail_on="possibly")
    suite = ET.fromstring(render(report, format="junit"))
    skipped = suite.find("testcase/skipped")
    assert skipped is not None
    assert skipped.get("message") == "ignored: nobody sends x"
    assert suite.get("failures") == "0"


def test_github_annotates_breaking_as_errors_and_possibly_as_warnings_on_the_new_file() -> None:
    report = Report(ALL, old="main:api.yaml", new="api.yaml", new_file="api.yaml")
    lines = render(report, format="github").splitlines()
    assert len(lines) == 2  # the safe finding is not annotated
    assert lines[0].startswith(
        "::error file=api.yaml,title=request-parameter-added-required%3A GET /users::q added%0A"
    )
    assert lines[1].startswith("::warning file=api.yaml,title=request-parameter-removed")
    assert "%0Aold: main:api.yaml#/c%0A" in lines[1]


def test_github_leaves_file_out_for_a_revision_and_skips_ignored_findings() -> None:
    report = Report([BREAKING, POSSIBLY, SAFE], old="a", new="v2:api.yaml",
                    ignored={POSSIBLY: ENTRY})  # fmt: skip
    [line] = render(report, format="github").splitlines()
    assert line.startswith("::error title=")


def test_annotations_and_test_cases_carry_the_line_of_the_new_pointer(tmp_path: Path) -> None:
    new = edited([drop(f"{USERS}/get/parameters/1")])
    spec = tmp_path / "api.yaml"
    spec.write_text(yaml.safe_dump(new, sort_keys=False))
    findings = diff(base(), new)  # the X-Trace parameter removed: new points at GET /users
    report = Report(findings, old="main:api.yaml", new=str(spec), new_file=str(spec))
    get_line = spec.read_text().splitlines().index("    get:") + 1
    [line] = render(report, format="github").splitlines()
    assert line.startswith(f"::warning file={spec},line={get_line},title=")
    [case] = ET.fromstring(render(report, format="junit")).findall("testcase")
    assert (case.get("file"), case.get("line")) == (str(spec), str(get_line))
