"""Each rule of `mockserver.diff.model.RULES` from a pair of documents: the base edited into the
old and the new, and exactly the rule ids the diff must find between them."""

from __future__ import annotations

import pytest

from mockserver.diff.model import RULES
from mockserver.diff.operations import diff_documents
from mockserver.spec import pointer as jp
from tests.conftest import ROOT
from tests.diff.builders import Edit, base, diff, drop, edited, load, move, put, rules

USERS = "/paths/~1users"
USER = "/paths/~1users~1{id}"
PETS = "/paths/~1pets"
SCHEMAS = "/components/schemas"
LIST_PARAMS = f"{USERS}/get/parameters"
BODY = f"{USERS}/post/requestBody"
CREATED = f"{USERS}/post/responses/201"
LISTED = f"{USERS}/get/responses/200"
OPTIONAL = {"name": "q", "in": "query", "schema": {"type": "string"}}
REQUIRED = {**OPTIONAL, "required": True}


def content_parameter(values: list[str]) -> dict[str, object]:
    """A query parameter whose JSON content has a property ``a`` of enum ``values``."""
    schema = {"type": "object", "properties": {"a": {"type": "string", "enum": values}}}
    return {"name": "f", "in": "query", "content": {"application/json": {"schema": schema}}}


# (id, edits of the old document, edits of the new document, the rule ids found)
CASES: list[tuple[str, list[Edit], list[Edit], list[str]]] = [
    # paths and operations
    ("path removed", [], [drop(PETS)], ["path-removed"]),
    ("path added", [drop(PETS)], [], ["path-added"]),
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
    # parameters
    (
        "required parameter added",
        [],
        [put(f"{LIST_PARAMS}/-", REQUIRED)],
        ["request-parameter-added-required"],
    ),
    (
        "optional parameter added",
        [],
        [put(f"{LIST_PARAMS}/-", OPTIONAL)],
        ["request-parameter-added"],
    ),
    ("parameter removed", [], [drop(f"{LIST_PARAMS}/0")], ["request-parameter-removed"]),
    (
        "parameter made required",
        [],
        [put(f"{LIST_PARAMS}/0/required", True)],
        ["request-parameter-made-required"],
    ),
    (
        "parameter made optional",
        [put(f"{LIST_PARAMS}/0/required", True)],
        [],
        ["request-parameter-made-optional"],
    ),
    (
        "parameter moved",
        [],
        [put(f"{LIST_PARAMS}/0/in", "header")],
        ["request-parameter-location-changed"],
    ),
    ("header names are case-insensitive", [], [put(f"{LIST_PARAMS}/1/name", "x-trace")], []),
    (
        "a path-item parameter moved into the operation, behind a $ref, is the same parameter",
        [],
        [
            put(f"{USER}/get/parameters", [{"$ref": "#/components/parameters/Id"}]),
            put("/components/parameters", {"Id": base()["paths"]["/users/{id}"]["parameters"][0]}),
            drop(f"{USER}/parameters"),
        ],
        [],
    ),
    (
        "parameter type changed",
        [],
        [put(f"{LIST_PARAMS}/0/schema/type", "string")],
        ["request-type-changed"],
    ),
    ("integer widened to number", [], [put(f"{LIST_PARAMS}/0/schema/type", "number")], []),
    (
        "parameter maximum lowered",
        [],
        [put(f"{LIST_PARAMS}/0/schema/maximum", 50)],
        ["request-bound-narrowed"],
    ),
    (
        "parameter minimum raised",
        [],
        [put(f"{LIST_PARAMS}/0/schema/minimum", 5)],
        ["request-bound-narrowed"],
    ),
    ("parameter bounds relaxed", [], [put(f"{LIST_PARAMS}/0/schema/maximum", 500)], []),
    (
        "a parameter's content schema narrowed",
        [put(f"{LIST_PARAMS}/-", content_parameter(["x", "y"]))],
        [put(f"{LIST_PARAMS}/-", content_parameter(["x"]))],
        ["request-enum-value-removed"],
    ),
    (
        "parameter pattern added",
        [],
        [put(f"{LIST_PARAMS}/1/schema/pattern", "^[a-f0-9]+$")],
        ["request-pattern-changed"],
    ),
    ("parameter pattern removed", [put(f"{LIST_PARAMS}/1/schema/pattern", "^[a-f0-9]+$")], [], []),
    # request bodies
    ("body made required", [put(f"{BODY}/required", False)], [], ["request-body-made-required"]),
    ("required body added", [drop(BODY)], [], ["request-body-made-required"]),
    ("optional body added", [drop(f"{PETS}/post/requestBody")], [], ["request-body-added"]),
    ("body removed", [], [drop(BODY)], ["request-body-removed"]),
    (
        "media type removed",
        [put(f"{BODY}/content/text~1plain", {})],
        [],
        ["request-media-type-removed"],
    ),
    (
        "media type added",
        [],
        [put(f"{BODY}/content/text~1plain", {})],
        ["request-media-type-added"],
    ),
    (
        "property added required",
        [],
        [
            put(f"{SCHEMAS}/NewUser/properties/email", {"type": "string"}),
            put(f"{SCHEMAS}/NewUser/required/-", "email"),
        ],
        ["request-property-added-required"],
    ),
    (
        "property added optional",
        [],
        [put(f"{SCHEMAS}/NewUser/properties/email", {"type": "string"})],
        ["request-property-added"],
    ),
    (
        "read-only property added required",
        [],
        [
            put(f"{SCHEMAS}/NewUser/properties/at", {"type": "string", "readOnly": True}),
            put(f"{SCHEMAS}/NewUser/required/-", "at"),
        ],
        [],
    ),
    (
        "property removed from a closed schema",
        [],
        [drop(f"{SCHEMAS}/NewUser/properties/age")],
        ["request-property-removed"],
    ),
    (
        "property removed from an open schema",
        [drop(f"{SCHEMAS}/NewUser/additionalProperties")],
        [
            drop(f"{SCHEMAS}/NewUser/additionalProperties"),
            drop(f"{SCHEMAS}/NewUser/properties/age"),
        ],
        ["request-property-removed-open"],
    ),
    (
        "property made required",
        [],
        [put(f"{SCHEMAS}/NewUser/required/-", "age")],
        ["request-property-made-required"],
    ),
    (
        "property type changed",
        [],
        [put(f"{SCHEMAS}/NewUser/properties/age/type", "string")],
        ["request-type-changed"],
    ),
    (
        "property no longer nullable",
        [put(f"{SCHEMAS}/NewUser/properties/age/type", ["integer", "null"])],
        [],
        ["request-type-changed"],
    ),
    (
        "enum value removed",
        [],
        [put(f"{SCHEMAS}/NewUser/properties/role/enum", ["admin"])],
        ["request-enum-value-removed"],
    ),
    (
        "enum introduced",
        [drop(f"{SCHEMAS}/NewUser/properties/role/enum")],
        [],
        ["request-enum-value-removed"],
    ),
    (
        "enum value added",
        [],
        [put(f"{SCHEMAS}/NewUser/properties/role/enum/-", "guest")],
        ["request-enum-value-added"],
    ),
    (
        "maxLength lowered",
        [],
        [put(f"{SCHEMAS}/NewUser/properties/name/maxLength", 20)],
        ["request-bound-narrowed"],
    ),
    (
        "request branch removed",
        [],
        [drop(f"{PETS}/post/requestBody/content/application~1json/schema/oneOf/1")],
        ["request-branch-removed"],
    ),
    (
        "request branch added",
        [drop(f"{PETS}/post/requestBody/content/application~1json/schema/oneOf/1")],
        [],
        ["request-branch-added"],
    ),
    (
        "request alternatives introduced",
        [],
        [put(f"{SCHEMAS}/NewUser/anyOf", [{"required": ["age"]}, {"required": ["role"]}])],
        ["request-composition-added"],
    ),
    # responses
    (
        "success status removed",
        [put(f"{USERS}/get/responses/202", {"description": "later"})],
        [],
        ["response-success-status-removed"],
    ),
    (
        "success status added",
        [],
        [put(f"{USERS}/get/responses/202", {"description": "later"})],
        ["response-success-status-added"],
    ),
    (
        "success status renumbered",
        [],
        [move(CREATED, f"{USERS}/post/responses/200")],
        ["response-success-status-added", "response-success-status-removed"],
    ),
    (
        "error status added",
        [],
        [put(f"{USERS}/get/responses/409", {"description": "conflict"})],
        ["response-error-status-added"],
    ),
    (
        "error status removed",
        [],
        [drop(f"{USERS}/get/responses/400")],
        ["response-error-status-removed"],
    ),
    (
        "response media type removed",
        [put(f"{LISTED}/content/text~1csv", {})],
        [],
        ["response-media-type-removed"],
    ),
    (
        "response media type added",
        [],
        [put(f"{LISTED}/content/text~1csv", {})],
        ["response-media-type-added"],
    ),
    (
        "response header removed",
        [],
        [drop(f"{LISTED}/headers/X-Total")],
        ["response-header-removed"],
    ),
    (
        "response header added",
        [],
        [put(f"{LISTED}/headers/ETag", {"schema": {"type": "string"}})],
        ["response-header-added"],
    ),
    (
        "response property removed",
        [],
        [drop(f"{SCHEMAS}/User/properties/status")],
        ["response-property-removed"],
    ),
    (
        "write-only property removed from a response",
        [],
        [drop(f"{SCHEMAS}/User/properties/password")],
        [],
    ),
    (
        "response property added",
        [],
        [put(f"{SCHEMAS}/User/properties/bio", {"type": "string"})],
        ["response-property-added"],
    ),
    (
        "response property made optional",
        [],
        [put(f"{SCHEMAS}/User/required", ["id"])],
        ["response-property-made-optional"],
    ),
    (
        "response property made nullable",
        [],
        [put(f"{SCHEMAS}/User/properties/name/type", ["string", "null"])],
        ["response-made-nullable"],
    ),
    (
        "response property type changed",
        [],
        [put(f"{SCHEMAS}/User/properties/id/type", "integer")],
        ["response-type-changed"],
    ),
    (
        "response items type changed",
        [],
        [put(f"{LISTED}/content/application~1json/schema/items/type", "integer")],
        ["response-type-changed"],
    ),
    (
        "response enum value added",
        [],
        [put(f"{SCHEMAS}/User/properties/status/enum/-", "banned")],
        ["response-enum-value-added"],
    ),
    (
        "response enum dropped",
        [],
        [drop(f"{SCHEMAS}/User/properties/status/enum")],
        ["response-enum-value-added"],
    ),
    (
        "response enum value removed",
        [],
        [put(f"{SCHEMAS}/User/properties/status/enum", ["active"])],
        ["response-enum-value-removed"],
    ),
    (
        "response branch added",
        [drop(f"{PETS}/post/responses/200/content/application~1json/schema/oneOf/1")],
        [],
        ["response-branch-added"],
    ),
    (
        "response branch removed",
        [],
        [drop(f"{PETS}/post/responses/200/content/application~1json/schema/oneOf/1")],
        ["response-branch-removed"],
    ),
    (
        "a branch edited in place is compared branch by branch",
        [],
        [
            put(f"{SCHEMAS}/Dog/properties/name", {"type": "string"}),
            put(f"{SCHEMAS}/Dog/required/-", "name"),
        ],
        ["request-property-added-required", "response-property-added"],
    ),
    (
        "a component branch edited among added ones is compared within",
        [],
        [
            put(f"{SCHEMAS}/Dog/properties/bark/type", "string"),
            put(f"{SCHEMAS}/Bird", {"type": "object", "properties": {"tweet": {"type": "string"}}}),
            put(
                f"{PETS}/post/responses/200/content/application~1json/schema/oneOf/-",
                {"$ref": "#/components/schemas/Bird"},
            ),
        ],
        ["request-type-changed", "response-branch-added", "response-type-changed"],
    ),
    (
        "recursive schema changed deep down",
        [],
        [put(f"{SCHEMAS}/Account/properties/id/type", "integer")],
        ["response-type-changed"],
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


@pytest.mark.parametrize(
    ("old_edits", "new_edits", "expected"),
    [pytest.param(old, new, expected, id=name) for name, old, new, expected in CASES],
)
def test_diff_finds_exactly_the_rule_of_each_change(
    old_edits: list[Edit], new_edits: list[Edit], expected: list[str]
) -> None:
    old, new = load(edited(old_edits)), load(edited(new_edits))
    findings = diff_documents(old, new)
    assert rules(findings) == sorted(expected)
    for finding in findings:  # each names a place that exists in its document
        assert finding.old is not None
        assert finding.new is not None
        jp.resolve(old, finding.old)
        jp.resolve(new, finding.new)


def test_every_rule_has_a_case() -> None:
    covered = {rule for *_, expected in CASES for rule in expected}
    assert sorted(RULES.keys() - covered) == []


def test_a_finding_names_both_places_and_says_what_changed() -> None:
    new = edited([put(f"{SCHEMAS}/NewUser/properties/role/enum", ["admin"])])
    [finding] = diff(base(), new)
    assert finding.rule == "request-enum-value-removed"
    assert finding.severity == "breaking"
    assert finding.operation == "POST /users"
    assert finding.old == finding.new == f"{SCHEMAS}/NewUser/properties/role"
    assert finding.message == (
        'the request body (application/json) at role: enum value "member" was removed; '
        "clients sending it are refused"
    )


def test_a_removed_path_points_at_it_in_the_old_document() -> None:
    [finding] = diff(base(), edited([drop(PETS)]))
    assert (finding.old, finding.new) == (PETS, "/paths")
    assert finding.message == "path /pets was removed with its operations (POST)"


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


def test_a_removed_branch_is_named_by_its_component() -> None:
    new = edited([drop(f"{PETS}/post/requestBody/content/application~1json/schema/oneOf/1")])
    [finding] = diff(base(), new)
    assert finding.message == (
        "the request body (application/json): oneOf/anyOf branch 1 (Dog) was removed"
    )
    assert finding.old == f"{SCHEMAS}/Dog"
