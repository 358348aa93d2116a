"""A mock never answers 5xx to a valid request, whatever the schemas say (property tests)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mockserver import create_app
from tests.inprocess import request
from tests.schemas_strategy import documents

# Defects real specs carry: overlapping oneOf branches, contradictory bounds, an empty enum,
# a type beside $ref that contradicts the target (3.1 applies it).
DEFECTS: list[dict[str, Any]] = [
    {"oneOf": [{"type": "string"}, {"type": "string"}]},
    {"type": "string", "minLength": 5, "maxLength": 2},
    {"type": "integer", "minimum": 10, "maximum": 1},
    {"type": "array", "minItems": 3, "maxItems": 1, "items": {"type": "integer"}},
    {"type": "object", "required": ["a"], "properties": {}, "additionalProperties": False},
    {"allOf": [{"type": "string"}, {"type": "integer"}]},
    {"$ref": "#/components/schemas/Text", "type": "boolean"},
]


def served(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/thing": {
                "get": {"responses": {"200": {"description": "ok", "content": content}}},
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {}}}},
                    "responses": {"201": {"description": "made", "content": content}},
                },
            }
        },
        "components": components,
    }


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=30)
@given(documents(), st.none() | st.sampled_from(DEFECTS), st.booleans())
@example(
    ({"components": {"schemas": {"Root": {"type": "string"}}}}, {"type": "string"}),
    DEFECTS[0],
    False,
)
def test_no_schema_makes_the_mock_answer_5xx(
    drawn: tuple[dict[str, Any], dict[str, Any]], defect: dict[str, Any] | None, stateful: bool
) -> None:
    document, root = drawn
    components = copy.deepcopy(document["components"])
    components["schemas"]["Text"] = {"type": "string", "enum": ["a", "b"]}
    schema = root
    if defect is not None:
        properties = {"value": root, "defect": defect}
        schema = {"type": "object", "required": ["defect"], "properties": properties}
    app = create_app(served(schema, components), stateful=stateful, seed=0)
    for method, options in (("GET", {}), ("POST", {"json": {"any": "thing"}})):
        answer = request(app, method, "/thing", **options)
        assert answer.status_code < 500, answer.text
        if defect is not None:
            assert answer.status_code in (200, 201)
            assert "no value satisfies the schema at #/" in answer.headers["warning"]
