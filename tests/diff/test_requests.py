"""`mockserver.diff.requests` (and the request side of `mockserver.diff.schemas`): each rule
about parameters and request bodies from a pair of edits of the base document."""

from __future__ import annotations

from tests.diff.builders import Edit, base, diff, drop, edited, put
from tests.diff.cases import (
    BODY,
    LIST_PARAMS,
    OPTIONAL,
    PETS,
    REQUIRED,
    SCHEMAS,
    USER,
    Case,
    check,
    content_parameter,
    each_case,
)

CASES: list[Case] = [
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
        "parameter default changed",
        [put(f"{LIST_PARAMS}/0/schema/default", 20)],
        [put(f"{LIST_PARAMS}/0/schema/default", 50)],
        ["request-default-changed"],
    ),
    (
        "property default added",
        [],
        [put(f"{SCHEMAS}/NewUser/properties/role/default", "member")],
        ["request-default-changed"],
    ),
    (
        "default unchanged",
        [put(f"{LIST_PARAMS}/0/schema/default", 20)],
        [put(f"{LIST_PARAMS}/0/schema/default", 20)],
        [],
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
]


@each_case(CASES)
def test_diff_finds_exactly_the_rule_of_each_change(
    old_edits: list[Edit], new_edits: list[Edit], expected: list[str]
) -> None:
    check(old_edits, new_edits, expected)


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


def test_a_removed_branch_is_named_by_its_component() -> None:
    new = edited([drop(f"{PETS}/post/requestBody/content/application~1json/schema/oneOf/1")])
    [finding] = diff(base(), new)
    assert finding.message == (
        "the request body (application/json): oneOf/anyOf branch 1 (Dog) was removed"
    )
    assert finding.old == f"{SCHEMAS}/Dog"
