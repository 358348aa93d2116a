"""`mockserver.diff.responses` (and the response side of `mockserver.diff.schemas`): each rule
about statuses, media types, headers and response bodies from a pair of edits of the base."""

from __future__ import annotations

from tests.diff.builders import Edit, drop, move, put
from tests.diff.cases import CREATED, LISTED, PETS, SCHEMAS, USERS, Case, check, each_case

LIST = f"{LISTED}/content/application~1json/schema"
ITEMS = f"{LIST}/items"

CASES: list[Case] = [
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
    # response bounds and patterns: loosened is possibly breaking, tightened is not
    (
        "response maxLength raised",
        [put(f"{ITEMS}/maxLength", 10)],
        [put(f"{ITEMS}/maxLength", 20)],
        ["response-bound-widened"],
    ),
    (
        "response maximum dropped",
        [put(f"{ITEMS}/type", "integer"), put(f"{ITEMS}/maximum", 5)],
        [put(f"{ITEMS}/type", "integer")],
        ["response-bound-widened"],
    ),
    (
        "response minimum lowered",
        [put(f"{ITEMS}/type", "integer"), put(f"{ITEMS}/minimum", 1)],
        [put(f"{ITEMS}/type", "integer"), put(f"{ITEMS}/minimum", 0)],
        ["response-bound-widened"],
    ),
    (
        "response maxItems raised",
        [put(f"{LIST}/maxItems", 50)],
        [put(f"{LIST}/maxItems", 100)],
        ["response-bound-widened"],
    ),
    (
        "response bounds tightened",
        [put(f"{ITEMS}/maxLength", 20), put(f"{LIST}/minItems", 0)],
        [put(f"{ITEMS}/maxLength", 10), put(f"{LIST}/minItems", 1)],
        [],
    ),
    (
        "response bounds unchanged",
        [put(f"{ITEMS}/maxLength", 20), put(f"{ITEMS}/pattern", "^[a-z]+$")],
        [put(f"{ITEMS}/maxLength", 20), put(f"{ITEMS}/pattern", "^[a-z]+$")],
        [],
    ),
    (
        "response maximum made exclusive at the same value",
        [put(f"{ITEMS}/type", "integer"), put(f"{ITEMS}/maximum", 5)],
        [put(f"{ITEMS}/type", "integer"), put(f"{ITEMS}/exclusiveMaximum", 5)],
        [],
    ),
    (
        "response pattern removed",
        [put(f"{ITEMS}/pattern", "^[a-z]+$")],
        [],
        ["response-pattern-changed"],
    ),
    (
        "response pattern changed",
        [put(f"{ITEMS}/pattern", "^[a-z]+$")],
        [put(f"{ITEMS}/pattern", "^[a-z0-9]+$")],
        ["response-pattern-changed"],
    ),
    ("response pattern added", [], [put(f"{ITEMS}/pattern", "^[a-z]+$")], []),
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
]


@each_case(CASES)
def test_diff_finds_exactly_the_rule_of_each_change(
    old_edits: list[Edit], new_edits: list[Edit], expected: list[str]
) -> None:
    check(old_edits, new_edits, expected)
