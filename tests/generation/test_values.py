"""`ValueBuilder`: a ``oneOf``'s value under both readings of ``format``."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest

from mockserver.generation.generator import DataGenerator

# mist.com's devices: an AP's `ip_config.type` is static or dhcp and its `netmask` an ipv4, a
# switch's `type` static or dynamic and its `netmask` any string. A switch with a netmask
# "abc" is told apart only by the format: valid under both branches for a reader that takes
# `format` as an annotation (JSON Schema's default), so no oneOf for it.
AP = {
    "type": "object",
    "required": ["netmask"],
    "properties": {
        "netmask": {"type": "string", "format": "ipv4"},
        "type": {"enum": ["static", "dhcp"]},
    },
}
SWITCH = {
    "type": "object",
    "required": ["netmask"],
    "properties": {"netmask": {"type": "string"}, "type": {"enum": ["static", "dynamic"]}},
}
DEVICE = {"oneOf": [AP, SWITCH]}
# sinao.app: an image is a URI or binary data, both strings: no string is valid under exactly
# one branch when formats are annotations.
IMAGE = {"oneOf": [{"type": "string", "format": "binary"}, {"type": "string", "format": "uri"}]}


def _generated(schema: Any, count: int) -> list[Any]:
    document: dict[str, Any] = {"openapi": "3.1.0", "components": {"schemas": {"S": schema}}}
    generator = DataGenerator(document, seed=7)
    return [generator.generate(schema, key=f"k{i}") for i in range(count)]


def test_a_one_of_value_is_valid_under_both_readings_of_format_when_one_exists() -> None:
    annotation = jsonschema_rs.Draft202012Validator(DEVICE, validate_formats=False)
    asserted = jsonschema_rs.Draft202012Validator(DEVICE, validate_formats=True)
    values = _generated(DEVICE, 40)
    assert all(asserted.is_valid(v) for v in values)
    assert [v for v in values if not annotation.is_valid(v)] == []


@pytest.mark.parametrize("schema", [IMAGE, {"type": "object", "properties": {"image": IMAGE}}])
def test_a_one_of_told_apart_only_by_format_gets_the_mocks_reading(schema: Any) -> None:
    # No value satisfies it with formats as annotations: the mock's reading is kept, not a
    # value it would refuse, and nothing says no value exists.
    asserted = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    notes: list[str] = []
    document: dict[str, Any] = {"openapi": "3.1.0", "components": {"schemas": {"S": schema}}}
    value = DataGenerator(document, seed=1).generate(schema, key="k", notes=notes)
    assert asserted.is_valid(value)
    assert notes == []


# Microsoft Graph (beta): an id that is a string or an object. Once the only string is taken,
# keeping ids apart draws again and may draw an object, which no set of ids can hold.
ID_OR_OBJECT = {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "object"}]}
ITEMS = {
    "type": "array",
    "minItems": 4,
    "items": {"type": "object", "required": ["id"], "properties": {"id": ID_OR_OBJECT}},
}


@pytest.mark.parametrize("seed", range(12))
def test_ids_kept_apart_take_a_fresh_value_of_another_type_as_it_is(seed: int) -> None:
    document: dict[str, Any] = {"openapi": "3.1.0", "components": {"schemas": {"S": ITEMS}}}
    generator = DataGenerator(document, seed=seed)
    validator = jsonschema_rs.Draft202012Validator(ITEMS)
    values = [generator.generate(ITEMS, key=f"k{i}") for i in range(3)]
    assert all(validator.is_valid(v) for v in values)
    # Within one answer the string id is still given once only.
    assert all([item["id"] for item in v].count("a") <= 1 for v in values)
