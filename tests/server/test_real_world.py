"""Shapes real specs have that the corpus found answered wrongly: each pinned here."""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from mockserver import create_app
from tests.inprocess import request


def document(paths: dict[str, Any], **schemas: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def ok(schema: Any, **response: Any) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    return {"200": {"description": "ok", "content": content, **response}}


ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "string", "readOnly": True}, "name": {"type": "string"}},
}
ITEM_PATH = {
    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
    "get": {"responses": ok({"$ref": "#/components/schemas/Item"})},
}


def collection(listing: dict[str, Any]) -> dict[str, Any]:
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}
    create = {"requestBody": body, "responses": {"201": {"description": "made", **body}}}
    return {"/items": {"get": {"responses": ok(listing)}, "post": create}, "/items/{id}": ITEM_PATH}


def valid(schema: dict[str, Any], value: Any, schemas: dict[str, Any]) -> bool:
    registry = jsonschema_rs.Registry([("urn:t", {"components": {"schemas": schemas}})])
    absolute = {"$ref": "urn:t#/components/schemas/List"} if schema == LIST_REF else schema
    return jsonschema_rs.validator_for(absolute, registry=registry).is_valid(value)


LIST_REF = {"$ref": "#/components/schemas/List"}


def test_a_list_envelope_gets_its_required_counters() -> None:
    listing = {
        "type": "object",
        "required": ["total_count", "items"],
        "properties": {
            "total_count": {"type": "integer"},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
        },
    }
    schemas = {"Item": ITEM, "List": listing}
    app = create_app(document(collection(LIST_REF), **schemas))
    request(app, "POST", "/items", json={"name": "a"})
    request(app, "POST", "/items", json={"name": "b"})
    answer = request(app, "GET", "/items").json()
    assert answer["total_count"] == 2
    assert [item["name"] for item in answer["items"]] == ["b", "a"]
    assert valid(LIST_REF, answer, schemas)


def test_a_list_envelope_without_an_array_property_gets_the_stateless_answer() -> None:
    listing = {"type": "object", "required": ["page"], "properties": {"page": {"type": "string"}}}
    schemas = {"Item": ITEM, "List": listing}
    app = create_app(document(collection(LIST_REF), **schemas), seed=1)
    request(app, "POST", "/items", json={"name": "a"})
    answer = request(app, "GET", "/items").json()
    assert isinstance(answer, dict)
    assert valid(LIST_REF, answer, schemas)


def test_an_empty_collection_whose_list_must_not_be_empty_gets_the_stateless_answer() -> None:
    listing = {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Item"}}
    wrapper = {
        "type": "object",
        "properties": {"data": {"allOf": [{"$ref": "#/components/schemas/Items"}]}},
    }
    schemas = {"Item": ITEM, "Items": listing, "List": wrapper}
    app = create_app(document(collection(LIST_REF), **schemas), seed=1)
    answer = request(app, "GET", "/items").json()
    assert len(answer["data"]) >= 1
    request(app, "POST", "/items", json={"name": "a"})
    assert [item["name"] for item in request(app, "GET", "/items").json()["data"]] == ["a"]


def test_a_field_the_read_requires_and_the_create_did_not_give_is_made_once() -> None:
    href = {"type": "string", "readOnly": True}  # the server's, but nothing says how to make it
    item = {
        **ITEM,
        "required": ["id", "name", "href"],
        "properties": {**ITEM["properties"], "href": href},
    }
    app = create_app(
        document(
            collection({"type": "array", "items": {"$ref": "#/components/schemas/Item"}}), Item=item
        )
    )
    made = request(app, "POST", "/items", json={"name": "a"}).json()
    read = request(app, "GET", f"/items/{made['id']}").json()
    assert isinstance(read["href"], str)
    assert request(app, "GET", f"/items/{made['id']}").json()["href"] == read["href"]


def test_a_declared_content_encoding_is_not_sent_over_a_plain_body() -> None:
    headers = {
        "Content-Encoding": {"schema": {"type": "string"}, "example": "gzip", "required": True},
        "X-Rate": {"schema": {"type": "integer"}, "example": 5, "required": True},
    }
    app = create_app(
        document({"/a": {"get": {"responses": ok({"type": "string"}, headers=headers)}}})
    )
    answer = request(app, "GET", "/a")
    assert "content-encoding" not in answer.headers
    assert answer.headers["x-rate"] == "5"
    assert isinstance(answer.json(), str)  # httpx failed to gunzip this body before


def test_two_parameters_in_one_segment_are_split_by_the_listed_values() -> None:
    extension = {
        "name": "ext",
        "in": "path",
        "required": True,
        "schema": {"enum": [".json", ".xml"]},
    }
    page = {"name": "page", "in": "path", "required": True, "schema": {"type": "string"}}
    paths = {
        "/blog/{page}{ext}": {
            "get": {"parameters": [page, extension], "responses": ok({"type": "string"})}
        }
    }
    app = (
        create_app(document(paths), stateless=False)
        if False
        else create_app(document(paths), stateful=False)
    )
    assert request(app, "GET", "/blog/my.long.page.json").status_code == 200
    assert request(app, "GET", "/blog/news.xml").status_code == 200
    assert request(app, "GET", "/blog/news.txt").status_code == 404


def test_a_ref_whose_pointer_passes_through_another_ref_answers_200_in_both_modes() -> None:
    # dnd5eapi.co: `#/components/schemas/Alias/properties/name` where `Alias` is itself a $ref;
    # it is read as meant, `#/components/schemas/Item/properties/name`.
    schemas = {
        "Alias": {"$ref": "#/components/schemas/Item"},
        "Item": ITEM,
        "Named": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"$ref": "#/components/schemas/Alias/properties/name"}},
        },
    }
    paths = {
        "/named/{id}": {
            "parameters": ITEM_PATH["parameters"],
            "get": {"responses": ok({"$ref": "#/components/schemas/Named"})},
        }
    }
    answer = request(create_app(document(paths, **schemas), stateful=False), "GET", "/named/x")
    assert answer.status_code == 200, answer.text
    assert isinstance(answer.json()["name"], str)
    # Stateful, an id nothing holds is materialized (a plain document), or 404 when told so.
    materialized = request(create_app(document(paths, **schemas)), "GET", "/named/x")
    assert materialized.status_code == 200, materialized.text
    assert isinstance(materialized.json()["name"], str)
    told = create_app(document(paths, **schemas), missing="404")
    assert request(told, "GET", "/named/x").status_code == 404


def test_a_ref_through_a_ref_is_read_as_meant_and_reported() -> None:
    from mockserver.spec.loader import load_spec

    schemas = {"Alias": {"$ref": "#/components/schemas/Item"}, "Item": ITEM}
    paths = {"/n": {"get": {"responses": ok({"$ref": "#/components/schemas/Alias/properties/id"})}}}
    spec = load_spec(document(paths, **schemas))
    media = spec.document["paths"]["/n"]["get"]["responses"]["200"]["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/Item/properties/id"}
    assert any("passes through another $ref" in str(issue) for issue in spec.issues)
    assert request(create_app(spec, stateful=False), "GET", "/n").status_code == 200


def test_a_response_schema_with_a_dangling_ref_answers_its_best_with_a_warning() -> None:
    for schema in (
        {"$ref": "#/components/schemas/Missing"},
        {"type": "object", "properties": {"a": {"$ref": "#/nowhere"}}},
    ):
        for stateful in (True, False):
            app = create_app(
                document({"/n": {"get": {"responses": ok(schema)}}}), stateful=stateful
            )
            answer = request(app, "GET", "/n")
            assert answer.status_code == 200, answer.text
            assert answer.headers["warning"].startswith("199 mockserver")


def test_a_pattern_python_reads_but_the_validator_cannot_compile_is_dropped_not_fatal() -> None:
    # Found by the full corpus (a configuration token of `\S{1,8192}`): valid ECMA-262, but
    # over the Rust regex engine's size limit, so no schema holding it could be compiled.
    token = {"type": "string", "pattern": r"\S{1,8192}"}
    parameter = {"name": "token", "in": "query", "required": True, "schema": token}
    answer = {"type": "object", "properties": {"token": token}, "required": ["token"]}
    paths = {"/configuration": {"get": {"parameters": [parameter], "responses": ok(answer)}}}
    app = create_app(document(paths))
    reply = request(app, "GET", "/configuration?token=abc")
    assert reply.status_code == 200
    assert isinstance(reply.json()["token"], str)
    assert request(app, "GET", "/configuration").status_code == 400  # still required


def test_a_list_that_is_one_of_several_kinds_of_array_gets_the_stateless_answer() -> None:
    # Found by the full corpus (Ably's GET /channels: names or details): an empty stateful
    # list matched both oneOf branches, so the answer broke its own schema.
    names = {"type": "array", "items": {"type": "string"}}
    details = {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
    schemas = {"Item": ITEM, "List": {"oneOf": [names, details]}}
    app = create_app(document(collection(LIST_REF), **schemas), seed=1)
    answer = request(app, "GET", "/items")
    assert answer.status_code == 200
    assert valid(LIST_REF, answer.json(), schemas)


def test_a_list_operation_that_answers_one_record_gets_the_stateless_answer() -> None:
    # Found by the full corpus (fulfillment.com's GET /orders answers one order, plain or
    # "hydrated"): the order's array of tracking numbers was taken for the list, emptied, and
    # the answer then matched both oneOf branches.
    tracking = {"type": "array", "items": {"type": "object", "properties": {"carrier": {}}}}
    order = {**ITEM, "properties": {**ITEM["properties"], "tracking": tracking}}
    hydrated = {"items": {"required": ["carrier"]}}
    listing = {
        "oneOf": [
            {"$ref": "#/components/schemas/Item"},
            {
                "allOf": [
                    {"$ref": "#/components/schemas/Item"},
                    {"properties": {"tracking": hydrated}},
                ]
            },
        ]
    }
    schemas = {"Item": order, "List": listing}
    app = create_app(document(collection(LIST_REF), **schemas), seed=1)
    answer = request(app, "GET", "/items")
    assert answer.status_code == 200
    assert valid(LIST_REF, answer.json(), schemas)


def test_a_wildcard_answered_as_json_fits_the_declared_json_schema() -> None:
    # Found by the corpus (gerermesaffaires.fr's download): `*/*` (a binary File) is declared
    # before `application/json` (File an object); the `*/*` body went out as application/json.
    binary = {"type": "object", "properties": {"File": {"type": "string", "format": "binary"}}}
    as_json = {
        "type": "object",
        "required": ["File"],
        "properties": {"File": {"type": "object", "properties": {"b64": {"type": "string"}}}},
    }
    content = {"*/*": {"schema": binary}, "application/json": {"schema": as_json}}
    get = {"responses": {"200": {"description": "ok", "content": content}}}
    for stateful in (True, False):
        app = create_app(document({"/download": {"get": get}}), seed=1, stateful=stateful)
        for accept in (None, "*/*"):
            answer = request(app, "GET", "/download", headers={"Accept": accept} if accept else {})
            assert answer.headers["content-type"] == "application/json"
            assert valid(as_json, answer.json(), {})


def test_a_list_page_its_schema_refuses_gets_the_stateless_answer() -> None:
    # Found by the corpus (Access Analyzer's ListPolicyGenerations, MediaConvert's ListJobs):
    # the list's array sits in an allOf, and its items require a field a created record lacks.
    detailed = {
        "type": "object",
        "required": ["id", "name", "settings"],
        "properties": {**ITEM["properties"], "settings": {"type": "string"}},
    }
    items = {"type": "array", "items": detailed}
    data = {"allOf": [{"$ref": "#/components/schemas/Items"}, {"description": "the page"}]}
    listing = {"type": "object", "required": ["data"], "properties": {"data": data}}
    schemas = {"Item": ITEM, "Items": items, "List": listing}
    app = create_app(document(collection(LIST_REF), **schemas), seed=1)
    request(app, "POST", "/items", json={"name": "a"})
    answer = request(app, "GET", "/items")
    assert answer.status_code == 200
    assert valid(LIST_REF, answer.json(), schemas)
