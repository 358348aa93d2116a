"""`mockserver.diff.report`: the text, JSON and Markdown reports, and the exit code."""

from __future__ import annotations

import json
from typing import Literal

import pytest

from mockserver.diff.model import Finding
from mockserver.diff.report import exit_code, render, summary

BREAKING = Finding("GET /users", "request-parameter-added-required", "/a", "/b", "q added")
POSSIBLY = Finding("GET /users", "request-parameter-removed", "/c", "/d", "x | y removed")
SAFE = Finding("/pets", "path-added", "/paths", "/paths/~1pets", "path /pets was added")
ALL = [BREAKING, POSSIBLY, SAFE]


def test_text_lists_each_finding_with_both_places() -> None:
    text = render([BREAKING], old="v1.yaml", new="v2.yaml", format="text")
    assert text.splitlines() == [
        "mockserver diff v1.yaml -> v2.yaml: 1 breaking, 0 possibly-breaking, 0 safe",
        "breaking: request-parameter-added-required: GET /users: q added",
        "    old: v1.yaml#/a",
        "    new: v2.yaml#/b",
    ]


def test_json_holds_the_summary_and_every_field_of_each_finding() -> None:
    report = json.loads(render(ALL, old="a", new="b", format="json"))
    assert report["summary"] == {"breaking": 1, "possibly-breaking": 1, "safe": 1}
    assert report["findings"][0] == {
        "rule": "request-parameter-added-required",
        "severity": "breaking",
        "operation": "GET /users",
        "old": "/a",
        "new": "/b",
        "message": "q added",
    }


def test_markdown_is_a_table_with_pipes_escaped() -> None:
    lines = render(ALL, old="a", new="b", format="markdown").splitlines()
    assert lines[0] == "## API changes: `a` -> `b`"
    assert lines[2] == "**1 breaking, 1 possibly-breaking, 1 safe**"
    assert lines[4] == "| severity | rule | operation | change | old | new |"
    assert lines[7] == (
        "| possibly-breaking | `request-parameter-removed` | `GET /users` | x \\| y removed "
        "| `/c` | `/d` |"
    )


def test_markdown_of_no_change_says_so() -> None:
    assert render([], old="a", new="b", format="markdown").endswith("No changes found.")


@pytest.mark.parametrize(
    ("findings", "fail_on", "code"),
    [
        ([], "breaking", 0),
        ([SAFE], "possibly", 0),
        ([POSSIBLY, SAFE], "breaking", 0),
        ([POSSIBLY], "possibly", 1),
        ([BREAKING], "breaking", 1),
        ([BREAKING], "possibly", 1),
    ],
)
def test_exit_code_is_1_only_for_what_fails(
    findings: list[Finding], fail_on: Literal["breaking", "possibly"], code: int
) -> None:
    assert exit_code(findings, fail_on=fail_on) == code


def test_summary_counts_every_severity() -> None:
    assert summary([SAFE, SAFE]) == "0 breaking, 0 possibly-breaking, 2 safe"
