"""Form bodies: urlencoded fields typed by the body's schema and its encoding."""

from __future__ import annotations

from typing import Any

from mockserver.validation.forms import FormParser
from mockserver.validation.parameters import parse_query

INT_ARRAY = {"type": "array", "items": {"type": "integer"}}
RGB = {
    "type": "object",
    "properties": {"R": {"type": "integer"}, "G": {"type": "integer"}, "B": {"type": "integer"}},
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "components": {
        "schemas": {
            "Count": {"type": "integer"},
            "Alias": {"$ref": "#/components/schemas/Count"},
            "Node": {
                "type": "object",
                "properties": {"next": {"$ref": "#/components/schemas/Node"}},
            },
            "Weird name": {"type": "boolean"},
            "Loop": {"$ref": "#/components/schemas/Loop"},
        }
    },
}


def test_form_parser_types_fields_and_honours_encoding() -> None:
    schema = {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "tags": INT_ARRAY,
            "meta": {"type": "object", "properties": {"a": {"type": "integer"}}},
            "where": RGB,
            "pair": RGB,
        },
        "additionalProperties": {"type": "boolean"},
    }
    encoding = {
        "meta": {"contentType": "application/json"},
        "where": {"style": "deepObject", "explode": True},
    }
    form = FormParser(schema, DOCUMENT, encoding, pointer="/body")
    pairs = parse_query(
        "count=3&tags=1&tags=2&meta=%7B%22a%22%3A1%7D&where%5BR%5D=9&pair=R,1,G,2&extra=true&empty="
    )
    assert form.urlencoded(pairs) == {
        "count": 3,
        "tags": [1, 2],
        "meta": {"a": 1},
        "where": {"R": 9},
        "pair": {"R": 1, "G": 2},
        "extra": True,
        "empty": "",
    }
