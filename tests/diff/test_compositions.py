"""`mockserver.diff.schemas` on the shape of values: arrays turned into objects (and back),
changes inside ``oneOf``/``anyOf`` branches, ``discriminator`` edits, a ``oneOf`` introduced,
``allOf`` members rearranged; each a planted change and the rule it must find."""

from __future__ import annotations

from tests.diff.builders import Edit, put
from tests.diff.cases import (
    BODY,
    CREATED,
    LIST_PARAMS,
    LISTED,
    PETS,
    SCHEMAS,
    Case,
    check,
    each_case,
)

_OBJECT = {"type": "object", "properties": {"a": {"type": "string"}}}
_ARRAY = {"type": "array", "items": {"type": "string"}}
_PET_ONE_OF = f"{PETS}/post/requestBody/content/application~1json/schema"
_PET_RESPONSE = f"{PETS}/post/responses/200/content/application~1json/schema"
_DISCRIMINATOR = {
    "propertyName": "kind",
    "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"},
}


def _discriminated(discriminator: object) -> list[Edit]:
    """Both pet bodies (request and response) discriminated by ``discriminator``."""
    return [
        put(f"{_PET_ONE_OF}/discriminator", discriminator),
        put(f"{_PET_RESPONSE}/discriminator", discriminator),
    ]


CASES: list[Case] = [
    (
        "response array turned into an object",
        [],
        [put(f"{LISTED}/content/application~1json/schema", _OBJECT)],
        ["response-type-changed"],
    ),
    (
        "response object turned into an array",
        [],
        [put(f"{CREATED}/content/application~1json/schema", _ARRAY)],
        ["response-type-changed"],
    ),
    (
        "request object turned into an array",
        [],
        [put(f"{BODY}/content/application~1json/schema", _ARRAY)],
        ["request-type-changed"],
    ),
    (
        "request array turned into an object",
        [put(f"{BODY}/content/application~1json/schema", _ARRAY)],
        [put(f"{BODY}/content/application~1json/schema", _OBJECT)],
        ["request-type-changed"],
    ),
    (
        "request scalar turned into an array",
        [],
        [put(f"{LIST_PARAMS}/0/schema", _ARRAY)],
        ["request-type-changed"],
    ),
    (
        "response scalar turned into an array",
        [],
        [put(f"{LISTED}/content/application~1json/schema/items", _ARRAY)],
        ["response-type-changed"],
    ),
    (
        "a change inside a oneOf branch is found on both sides",
        [],
        [put(f"{SCHEMAS}/Cat/properties/meow/type", "string")],
        ["request-type-changed", "response-type-changed"],
    ),
    (
        "an inline anyOf branch narrowed is compared branch by branch",
        [put(f"{LIST_PARAMS}/0/schema", {"anyOf": [{"type": "integer"}, _ARRAY]})],
        [
            put(
                f"{LIST_PARAMS}/0/schema",
                {"anyOf": [{"type": "integer", "maximum": 5}, _ARRAY]},
            )
        ],
        ["request-bound-narrowed"],
    ),
    (
        "discriminator unchanged",
        _discriminated(_DISCRIMINATOR),
        _discriminated(_DISCRIMINATOR),
        [],
    ),
    (
        "discriminator propertyName changed",
        _discriminated(_DISCRIMINATOR),
        _discriminated({**_DISCRIMINATOR, "propertyName": "type"}),
        ["request-discriminator-changed", "response-discriminator-changed"],
    ),
    (
        "discriminator mapping entry removed",
        _discriminated(_DISCRIMINATOR),
        _discriminated({"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}),
        ["request-discriminator-changed", "response-discriminator-changed"],
    ),
    (
        "discriminator mapping entry retargeted",
        _discriminated(_DISCRIMINATOR),
        _discriminated(
            {
                "propertyName": "kind",
                "mapping": {
                    "cat": "#/components/schemas/Dog",
                    "dog": "#/components/schemas/Dog",
                },
            }
        ),
        ["request-discriminator-changed", "response-discriminator-changed"],
    ),
    (
        "discriminator mapping entry added",
        _discriminated({"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}),
        _discriminated(_DISCRIMINATOR),
        [],
    ),
    (
        "oneOf introduced in a response that had one schema",
        [put(_PET_RESPONSE, {"$ref": "#/components/schemas/Cat"})],
        [],
        ["response-composition-added"],
    ),
    (
        "a property moved between allOf members is no change",
        [
            put(
                f"{SCHEMAS}/User",
                {
                    "allOf": [
                        {
                            "type": "object",
                            "required": ["id"],
                            "properties": {"id": {"type": "string"}},
                        },
                        {
                            "type": "object",
                            "required": ["name"],
                            "properties": {"name": {"type": "string"}},
                        },
                    ]
                },
            )
        ],
        [
            put(
                f"{SCHEMAS}/User",
                {
                    "allOf": [
                        {"type": "object", "properties": {}},
                        {
                            "type": "object",
                            "required": ["id", "name"],
                            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                        },
                    ]
                },
            )
        ],
        [],
    ),
]


@each_case(CASES)
def test_diff_finds_exactly_the_rule_of_each_change(
    old_edits: list[Edit], new_edits: list[Edit], expected: list[str]
) -> None:
    check(old_edits, new_edits, expected)
