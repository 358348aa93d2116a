"""`mockserver.diff.operations`: paths, operations and security from pairs of edits of the base
document; that every rule has a pair somewhere; the order and places of findings."""

from __future__ import annotations

from mockserver.diff.model import RULES
from tests.conftest import ROOT
from tests.diff import (
    test_callbacks,
    test_compositions,
    test_lifecycle,
    test_requests,
    test_responses,
    test_security,
)
from tests.diff.builders import Edit, base, diff, drop, edited, move, put
from tests.diff.cases import LIST_PARAMS, OPTIONAL, PETS, USER, USERS, Case, check, each_case

CASES: list[Case] = [
    # paths and operations
    ("path removed", [], [drop(PETS)], ["path-removed"]),
    ("path added", [drop(PETS)], [], ["path-added"]),
    ("paths added to a document without any", [drop("/paths")], [], ["path-added"] * 3),
    ("every path removed", [], [drop("/paths")], ["path-removed"] * 3),
    ("operation removed", [], [drop(f"{USERS}/get")], ["operation-removed"]),
    ("operation added", [drop(f"{USERS}/get")], [], ["operation-added"]),
    (
        "a path parameter renamed is the same path",
        [],
        [
            move(USER, "/paths/~1users~1{userId}"),
            put("/paths/~1users~1{userId}/parameters/0/name", "userId"),
        ],
        [],
    ),
    (
        "a parameter added to a path whose parameter was renamed",
        [],
        [
            move(USER, "/paths/~1users~1{uid}"),
            put("/paths/~1users~1{uid}/parameters/0/name", "uid"),
            put("/paths/~1users~1{uid}/get/parameters", [OPTIONAL]),
        ],
        ["request-parameter-added"],
    ),
    # security
    (
        "security added",
        [],
        [put(f"{USERS}/get/security", [{"bearer": []}])],
        ["security-requirement-added"],
    ),
    (
        "security added to the document",
        [],
        [put("/security", [{"bearer": []}])],
        ["security-requirement-added"] * 4,
    ),
    ("optional security added", [], [put(f"{USERS}/get/security", [{}, {"bearer": []}])], []),
    (
        "security removed",
        [put(f"{USERS}/get/security", [{"bearer": []}])],
        [],
        ["security-requirement-removed"],
    ),
]


@each_case(CASES)
def test_diff_finds_exactly_the_rule_of_each_change(
    old_edits: list[Edit], new_edits: list[Edit], expected: list[str]
) -> None:
    check(old_edits, new_edits, expected)


def test_every_rule_has_a_case() -> None:
    cases = [
        *CASES,
        *test_requests.CASES,
        *test_responses.CASES,
        *test_compositions.CASES,
        *test_lifecycle.CASES,
        *test_security.CASES,
        *test_callbacks.CASES,
    ]
    covered = {rule for *_, expected in cases for rule in expected}
    assert sorted(RULES.keys() - covered) == []


def test_a_removed_path_points_at_it_in_the_old_document() -> None:
    [finding] = diff(base(), edited([drop(PETS)]))
    assert (finding.old, finding.new) == (PETS, "/paths")
    assert finding.message == (
        "path /pets was removed with its operations (POST) without being deprecated first"
    )


def test_findings_come_most_severe_first() -> None:
    new = edited([drop(f"{USERS}/get/responses/400"), drop(f"{LIST_PARAMS}/0"), drop(PETS)])
    severities = [finding.severity for finding in diff(base(), new)]
    assert severities == ["breaking", "possibly-breaking", "safe"]


def test_the_readme_lists_every_rule_with_its_severity() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `") and "-" in line]
    listed = {row.split("|")[1].strip(" `"): row.split("|")[2].strip() for row in rows}
    assert {rule: listed.get(rule) for rule in RULES} == {
        rule.id: rule.severity for rule in RULES.values()
    }


def test_a_shared_schema_is_skipped_only_when_unchanged_all_the_way_down() -> None:
    # GET /users/{id} answers Account, whose `children` items are Account again (a cycle cut
    # short there); GET /kids answers `children` alone: the change inside Account must still
    # reach it, though `children` added nothing of its own in the first operation.
    kids = {"$ref": "#/components/schemas/Account/properties/children"}
    answer = {"description": "kids", "content": {"application/json": {"schema": kids}}}
    kids_path = put("/paths/~1kids", {"get": {"responses": {"200": answer}}})
    old = edited([kids_path])
    new = edited([kids_path, put("/components/schemas/Account/properties/id/type", "integer")])
    operations = sorted(f.operation for f in diff(old, new))
    assert operations == ["GET /kids", "GET /users/{id}"]
    unchanged = diff(old, edited([kids_path]))
    assert unchanged == []
