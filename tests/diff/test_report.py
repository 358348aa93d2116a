"""`mockserver.diff.report`: the text, JSON and Markdown reports (with the consumers each
finding touches and the ignored ones), one text line per change to a shared component, and
the exit code."""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

import pytest

from mockserver.diff.ignore import Ignore
from mockserver.diff.impact import Use
from mockserver.diff.model import Finding
from mockserver.diff.report import Report, exit_code, groups, render, summary

BREAKING = Finding("GET /users", "request-parameter-added-required", "/a", "/b", "q added")
POSSIBLY = Finding("GET /users", "request-parameter-removed", "/c", "/d", "x | y removed")
SAFE = Finding("/pets", "path-added", "/paths", "/paths/~1pets", "path /pets was added")
ALL = [BREAKING, POSSIBLY, SAFE]
SHARED = "/components/schemas/User/properties/name"
MESSAGE = "the 200 response body: property 'name' was removed; clients may read it"
SHARED_BY = [
    Finding(operation, "response-property-removed", SHARED, "/components/schemas/User", MESSAGE)
    for operation in ("GET /users", "GET /users/{id}")
]
USE = Use("web", "a list of users", "200 response body name")
ENTRY = Ignore("request-parameter-removed", "GET /users", "nobody sends x", entry=3)


def test_text_lists_each_finding_with_both_places() -> None:
    text = render(Report([BREAKING], old="v1.yaml", new="v2.yaml"), format="text")
    assert text.splitlines() == [
        "mockserver diff v1.yaml -> v2.yaml: 1 breaking, 0 possibly-breaking, 0 safe",
        "breaking: request-parameter-added-required: GET /users: q added",
        "    old: v1.yaml#/a",
        "    new: v2.yaml#/b",
    ]


def test_text_prints_a_change_to_a_shared_component_once_with_its_operations() -> None:
    text = render(Report([*SHARED_BY, BREAKING], old="a", new="b"), format="text")
    assert text.splitlines()[1:4] == [
        f"breaking: response-property-removed: GET /users, GET /users/{{id}}: {MESSAGE}",
        f"    old: a#{SHARED}",
        "    new: b#/components/schemas/User",
    ]
    assert text.count("response-property-removed") == 1


def test_only_findings_under_components_with_one_message_are_grouped() -> None:
    unshared = [Finding(op, "operation-removed", "/x", "/y", "gone") for op in ("GET /a", "GET /b")]
    other = Finding("GET /c", "response-property-removed", SHARED, SHARED_BY[0].new, "other")
    assert groups([*SHARED_BY, *unshared, other]) == [
        SHARED_BY, [unshared[0]], [unshared[1]], [other],
    ]  # fmt: skip


def test_text_names_the_consumers_and_says_when_no_pact_exercises_a_change() -> None:
    report = Report(ALL, old="a", new="b", consumers={BREAKING: [USE], POSSIBLY: []})
    lines = render(report, format="text").splitlines()
    assert lines[1] == "consumers: breaks 1 consumer(s): web (1 interaction)"
    assert '    consumer web: "a list of users" (200 response body name)' in lines
    assert "    consumers: no pact exercises it" in lines
    assert lines[-1] == "    new: b#/paths/~1pets"  # safe changes list no consumers


def test_ignored_findings_are_listed_with_their_reason_and_do_not_fail() -> None:
    report = Report([POSSIBLY], old="a", new="b", ignored={POSSIBLY: ENTRY}, fail_on="possibly")
    lines = render(report, format="text").splitlines()
    assert lines == [
        "mockserver diff a -> b: 0 breaking, 0 possibly-breaking, 0 safe, 1 ignored",
        "ignored: request-parameter-removed: GET /users: x | y removed",
        "    reason: nobody sends x (ignore entry 3)",
    ]
    assert exit_code(report) == 0


def test_expired_entries_are_reported() -> None:
    gone = Ignore("operation-removed", "GET /a", "r", dt.date(2026, 1, 1), 2)
    text = render(Report([], old="a", new="b", expired=[gone]), format="text")
    assert "expired: ignore entry 2 (operation-removed at GET /a) expired 2026-01-01" in text


def test_json_holds_the_summary_and_every_field_of_each_finding() -> None:
    report = json.loads(render(Report(ALL, old="a", new="b"), format="json"))
    assert report["summary"] == {"breaking": 1, "possibly-breaking": 1, "safe": 1}
    assert report["findings"][0] == {
        "rule": "request-parameter-added-required",
        "severity": "breaking",
        "operation": "GET /users",
        "old": "/a",
        "new": "/b",
        "message": "q added",
        "group": 1,
        "fails": True,
    }
    assert "consumers" not in report  # no pacts read


def test_json_keeps_every_grouped_finding_with_its_group_consumers_and_ignores() -> None:
    report = Report(
        [*SHARED_BY, POSSIBLY], old="a", new="b",
        consumers={SHARED_BY[0]: [USE]}, ignored={POSSIBLY: ENTRY},
    )  # fmt: skip
    document = json.loads(render(report, format="json"))
    assert [f["group"] for f in document["findings"]] == [1, 1, 2]
    assert document["findings"][0]["consumers"] == [
        {"consumer": "web", "interaction": "a list of users", "field": "200 response body name"}
    ]
    assert document["findings"][1]["consumers"] == []
    assert document["findings"][2]["ignored"] == "nobody sends x"
    assert document["ignored"] == 1
    assert document["summary"]["possibly-breaking"] == 0
    assert document["consumers"] == "breaks 1 consumer(s): web (1 interaction)"


def test_markdown_is_a_table_with_pipes_escaped() -> None:
    lines = render(Report(ALL, old="a", new="b"), format="markdown").splitlines()
    assert lines[0] == "## API changes: `a` -> `b`"
    assert lines[2] == "**1 breaking, 1 possibly-breaking, 1 safe**"
    assert lines[4] == "| severity | rule | operation | change | old | new | consumers |"
    assert lines[7] == (
        "| possibly-breaking | `request-parameter-removed` | `GET /users` | x \\| y removed "
        "| `/c` | `/d` | - |"
    )


def test_markdown_names_consumers() -> None:
    report = Report([BREAKING, POSSIBLY], old="a", new="b", consumers={BREAKING: [USE]})
    text = render(report, format="markdown")
    assert "| web: a list of users |" in text
    assert "| no pact exercises it |" in text


def test_markdown_of_no_change_says_so() -> None:
    assert render(Report([], old="a", new="b"), format="markdown").endswith("No changes found.")


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
    assert exit_code(Report(findings, old="a", new="b", fail_on=fail_on)) == code


def test_summary_counts_every_severity() -> None:
    assert summary([SAFE, SAFE]) == "0 breaking, 0 possibly-breaking, 2 safe"


def test_ignored_changes_to_a_shared_component_are_one_line_too() -> None:
    entry = Ignore("response-property-removed", SHARED, "renamed", entry=1)
    report = Report(SHARED_BY, old="a", new="b", ignored=dict.fromkeys(SHARED_BY, entry))
    assert render(report, format="text").splitlines()[1:] == [
        f"ignored: response-property-removed: GET /users, GET /users/{{id}}: {MESSAGE}",
        "    reason: renamed (ignore entry 1)",
    ]
