"""Lenient by default: a defect confined to one place degrades that place and the rest is served."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest

from mockserver import SpecError, create_app, load_spec
from mockserver.server.diagnose import diagnose
from mockserver.server.engine import Engine
from tests.inprocess import request

OK = {"200": {"description": "ok"}}


def document(paths: dict[str, Any], *, version: str = "3.1.0", **components: Any) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": components,
    }


def param(name: str, schema: dict[str, Any], where: str = "path", **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, **extra}


def json_response(schema: dict[str, Any], **media: Any) -> dict[str, Any]:
    return {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": schema, **media}},
        }
    }


def test_templates_of_one_shape_are_routed_by_method_with_their_own_names() -> None:
    paths = {
        "/items/{number}": {
            "get": {"parameters": [param("number", {"type": "integer"})], "responses": OK}
        },
        "/items/{code}": {
            "delete": {
                "parameters": [param("code", {"type": "string", "pattern": "^[a-z]+$"})],
                "responses": OK,
            }
        },
    }
    app = create_app(document(paths), stateful=False)
    assert request(app, "GET", "/items/7").status_code == 200
    assert request(app, "DELETE", "/items/abc").status_code == 200
    refused = request(app, "DELETE", "/items/7")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "path.code"
    assert request(app, "GET", "/items/abc").json()["errors"][0]["field"] == "path.number"


def test_the_same_method_on_two_paths_of_one_shape_leaves_the_second_out() -> None:
    paths = {
        "/items/{a}": {"get": {"parameters": [param("a", {"type": "string"})], "responses": OK}},
        "/items/{b}": {"get": {"parameters": [param("b", {"type": "string"})], "responses": OK}},
    }
    engine = Engine(load_spec(document(paths)), stateful=False)
    assert [op.operation.path for op in engine.operations] == ["/items/{a}"]
    assert len(engine.degraded) == 1
    assert (
        "GET /items/{b} matches the same requests as GET /items/{a}" in engine.degraded[0].message
    )
    with pytest.raises(SpecError, match="for GET"):
        load_spec(document(paths), strict=True)


def test_a_malformed_operation_is_left_out_and_named_and_the_others_served() -> None:
    paths = {
        "/good": {"get": {"responses": OK}},
        "/bad": {"get": {"parameters": [{"name": "x", "in": "body"}], "responses": OK}},
    }
    app = create_app(document(paths), stateful=False)
    engine = app.state.engine
    assert request(app, "GET", "/good").status_code == 200
    assert request(app, "GET", "/bad").status_code == 404
    assert [issue.pointer for issue in engine.degraded] == ["/paths/~1bad/get/parameters/0"]
    assert "in='body'" in engine.degraded[0].message
    with pytest.raises(SpecError):
        create_app(document(paths), strict=True)


def test_an_unknown_field_is_ignored_with_a_warning() -> None:
    parameter = param("q", {"type": "string"}, where="query", source="legacy")
    spec = load_spec(document({"/a": {"get": {"parameters": [parameter], "responses": OK}}}))
    assert [(i.severity, i.pointer) for i in spec.issues] == [
        ("warning", "/paths/~1a/get/parameters/0")
    ]
    assert "unexpected field 'source'" in spec.issues[0].message
    assert request(create_app(spec, stateful=False), "GET", "/a?q=x").status_code == 200


def test_a_pattern_that_is_no_regex_is_not_enforced_but_the_rest_of_its_schema_is() -> None:
    schema = {"type": "string", "pattern": "([a-z]", "maxLength": 3}
    spec = load_spec(
        document({"/a": {"get": {"parameters": [param("q", schema, "query")], "responses": OK}}})
    )
    assert any(i.pointer.endswith("/schema/pattern") for i in spec.issues)
    app = create_app(spec, stateful=False)
    assert request(app, "GET", "/a?q=A1").status_code == 200
    assert request(app, "GET", "/a?q=abcd").json()["errors"][0]["code"] == "maxLength"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        # 3.0 ignores the assertions beside $ref: the array it points at is answered
        ("3.0.3", {"type": "array", "items": {"type": "string"}}),
        # 3.1 applies them, as JSON Schema 2020-12 does
        ("3.1.0", {"type": "array", "items": {"type": "string"}, "maxItems": 0}),
    ],
)
def test_siblings_of_ref_follow_the_documents_version(
    version: str, expected: dict[str, Any]
) -> None:
    sibling = {"type": "object"} if version.startswith("3.0") else {"maxItems": 0}
    schemas = {"Tags": {"type": "array", "items": {"type": "string"}}}
    paths = {
        "/tags": {
            "get": {"responses": json_response({"$ref": "#/components/schemas/Tags", **sibling})}
        }
    }
    app = create_app(document(paths, version=version, schemas=schemas), stateful=False, seed=1)
    for _ in range(5):
        answer = request(app, "GET", "/tags", params={"__dynamic": "true"})
        assert answer.status_code == 200
        assert jsonschema_rs.validator_for(expected).is_valid(answer.json())


OVERLAP = {"oneOf": [{"type": "string"}, {"type": "string", "minLength": 1}]}


def test_a_schema_no_value_satisfies_gets_the_closest_value_and_a_warning() -> None:
    paths = {"/pick": {"get": {"responses": json_response(OVERLAP)}}}
    app = create_app(document(paths), stateful=False, seed=3)
    answer = request(app, "GET", "/pick")
    assert answer.status_code == 200
    assert isinstance(answer.json(), str)
    warning = answer.headers["warning"]
    assert warning.startswith('199 mockserver "no value satisfies the schema at ')
    assert "/paths/~1pick/get/responses/200/content/application~1json/schema" in warning
    issues = diagnose(document(paths))
    assert [(i.severity, i.pointer) for i in issues] == [
        ("warning", "/paths/~1pick/get/responses/200/content/application~1json/schema")
    ]


def test_a_satisfiable_schema_gets_no_warning() -> None:
    paths = {"/pick": {"get": {"responses": json_response({"type": "string"})}}}
    answer = request(create_app(document(paths), stateful=False), "GET", "/pick")
    assert "warning" not in answer.headers


def test_an_example_that_contradicts_its_schema_is_not_the_default_answer() -> None:
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    media = {"examples": {"broken": {"value": {"id": "seven"}}, "fine": {"value": {"id": 7}}}}
    paths = {"/a": {"get": {"responses": json_response(schema, **media)}}}
    app = create_app(document(paths), stateful=False)
    assert request(app, "GET", "/a").json() == {"id": 7}
    named = request(app, "GET", "/a", headers={"Prefer": "example=broken"})
    assert named.json() == {"id": "seven"}  # asked for by name: answered as written


def test_an_only_example_that_contradicts_its_schema_gives_way_to_generated_data() -> None:
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    paths = {"/a": {"get": {"responses": json_response(schema, example={"id": "seven"})}}}
    answer = request(create_app(document(paths), stateful=False, seed=2), "GET", "/a")
    assert isinstance(answer.json()["id"], int)


def test_an_operation_told_apart_only_by_a_fragment_is_reported_and_the_plain_one_served() -> None:
    named = {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"const": 1}}}}
    }
    paths = {
        # Declared first, still the one left out: the plain path keeps the route.
        "/shared_items#folders": {"get": {"responses": json_response({"const": "folder"})}},
        "/shared_items": {"get": {"responses": named}},
        "/only#fragment": {"get": {"responses": json_response({"const": "only"})}},
    }
    app = create_app(document(paths), stateful=False)
    engine: Engine = app.state.engine

    assert request(app, "GET", "/shared_items").json() == 1
    assert request(app, "GET", "/only").json() == "only"  # nothing else claims the path
    (issue,) = engine.degraded
    assert issue.pointer == "/paths/~1shared_items#folders/get"
    assert "GET /shared_items#folders matches the same requests as GET /shared_items" in (
        issue.message
    )


def _named(value: str, **extra: Any) -> dict[str, Any]:
    return {"responses": json_response({"const": value}), **extra}


def test_operations_told_apart_by_a_name_value_fragment_are_chosen_by_query_or_header() -> None:
    action = {"name": "Action", "in": "query", "required": True, "schema": {"type": "string"}}
    paths = {
        # AWS's query protocol: one path, the operation named by Action (or a target header).
        "/#Action=AddTags": {"get": _named("add", parameters=[action])},
        "/#Action=ListTags": {"get": _named("list", parameters=[action])},
        "/#X-Amz-Target=Svc.Describe": {"get": _named("describe")},
    }
    app = create_app(document(paths), stateful=False)
    engine: Engine = app.state.engine

    assert engine.degraded == []
    assert len(engine.operations) == 3
    assert request(app, "GET", "/?Action=AddTags").json() == "add"
    assert request(app, "GET", "/?Action=ListTags").json() == "list"
    assert request(app, "GET", "/", headers={"X-Amz-Target": "Svc.Describe"}).json() == "describe"


def test_a_request_naming_no_variant_gets_the_plain_operation() -> None:
    paths = {
        "/#op=LIST": {"get": _named("listing")},
        "/": {"get": _named("plain")},
    }
    app = create_app(document(paths), stateful=False)
    assert request(app, "GET", "/").json() == "plain"
    assert request(app, "GET", "/?op=LIST").json() == "listing"
    assert request(app, "GET", "/?op=OTHER").json() == "plain"
