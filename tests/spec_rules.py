"""House rules for ``openapi/openapi.yaml``, each a function returning its violations.

They use only PyYAML, ``jsonschema`` and ``referencing`` so that they check the spec
independently of the mock server's own loader and validators.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["RULES", "Rule", "iter_operations", "resolve", "schema_validator"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SPEC_URI = "urn:spec"

Rule = Callable[[Mapping[str, Any]], list[str]]


def resolve(doc: Mapping[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s until a node without one."""
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node and isinstance(node["$ref"], str):
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local refs are used in the spec, got {ref}"
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
        assert seen < 50, f"reference cycle through {ref}"
    return node


def iter_operations(
    doc: Mapping[str, Any], *, webhooks: bool = True
) -> Iterator[tuple[str, str, dict[str, Any], list[Any]]]:
    """Yield ``(path, method, operation, parameters)`` of paths and webhooks."""
    items = [*doc.get("paths", {}).items()]
    if webhooks:
        # Webhooks are requests *we* send; rules about what clients send skip them.
        items += doc.get("webhooks", {}).items()
    for path, item in items:
        shared = [resolve(doc, p) for p in item.get("parameters", [])]
        for method in HTTP_METHODS:
            if method in item:
                op = item[method]
                own = [resolve(doc, p) for p in op.get("parameters", [])]
                names = {(p["name"], p["in"]) for p in own}
                merged = own + [p for p in shared if (p["name"], p["in"]) not in names]
                yield path, method, op, merged


def schema_validator(doc: Mapping[str, Any], schema: Any) -> jsonschema.Draft202012Validator:
    """A 2020-12 validator with format checking whose local refs resolve inside ``doc``."""
    resource: Resource[Any] = Resource.from_contents(dict(doc), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    wrapped = schema
    if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        wrapped = {**schema, "$ref": SPEC_URI + schema["$ref"]}
    return jsonschema.Draft202012Validator(
        wrapped,
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def _media_examples(doc: Mapping[str, Any], media: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    if "example" in media:
        yield "example", media["example"]
    for name, ex in media.get("examples", {}).items():
        ex = resolve(doc, ex)
        if "value" in ex:
            yield f"examples/{name}", ex["value"]


def _responses(doc: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for path, method, op, _ in iter_operations(doc):
        for status, response in op.get("responses", {}).items():
            yield f"{method.upper()} {path} {status}", str(status), resolve(doc, response)


def operations_have_id_tag_and_success(doc: Mapping[str, Any]) -> list[str]:
    """Every operation has an operationId, a declared tag and a 2xx response."""
    tags = {t["name"] for t in doc.get("tags", [])}
    out = []
    for path, method, op, _ in iter_operations(doc):
        where = f"{method.upper()} {path}"
        if not op.get("operationId"):
            out.append(f"{where}: no operationId")
        if not op.get("tags") or not set(op["tags"]) <= tags:
            out.append(f"{where}: tags {op.get('tags')} not among the declared {sorted(tags)}")
        if not any(str(s).startswith("2") for s in op.get("responses", {})):
            out.append(f"{where}: no 2xx response")
    return out


def responses_have_valid_examples(doc: Mapping[str, Any]) -> list[str]:
    """Every response with content has at least one example, and all of them validate."""
    out = []
    for where, _, response in _responses(doc):
        for media_type, media in response.get("content", {}).items():
            examples = list(_media_examples(doc, media))
            if not examples:
                out.append(f"{where} {media_type}: no example")
            validator = schema_validator(doc, media.get("schema", {}))
            for name, value in examples:
                for error in validator.iter_errors(value):
                    out.append(f"{where} {media_type} {name}: {error.message}")
    return out


def request_examples_validate(doc: Mapping[str, Any]) -> list[str]:
    """Every request body has an example, and every example validates."""
    out = []
    for path, method, op, _ in iter_operations(doc):
        body = resolve(doc, op.get("requestBody", {}))
        for media_type, media in body.get("content", {}).items():
            examples = list(_media_examples(doc, media))
            if not examples:
                out.append(f"{method.upper()} {path} {media_type}: request body has no example")
            validator = schema_validator(doc, media.get("schema", {}))
            for name, value in examples:
                for error in validator.iter_errors(value):
                    out.append(f"{method.upper()} {path} {name}: {error.message}")
    return out


def secured_operations_document_401(doc: Mapping[str, Any]) -> list[str]:
    """Every operation that needs a token documents 401."""
    default = doc.get("security", [])
    return [
        f"{method.upper()} {path}: secured but no 401 response"
        for path, method, op, _ in iter_operations(doc)
        if op.get("security", default) and "401" not in op.get("responses", {})
    ]


def operations_with_path_ids_document_404(doc: Mapping[str, Any]) -> list[str]:
    """Every operation addressing a resource by a path id documents 404."""
    return [
        f"{method.upper()} {path}: has path parameters but no 404 response"
        for path, method, op, params in iter_operations(doc)
        if any(p["in"] == "path" for p in params) and "404" not in op.get("responses", {})
    ]


def _walk_schema(
    doc: Mapping[str, Any], schema: Any, seen: set[int], *, branches: bool = True
) -> Iterator[Mapping[str, Any]]:
    """Every schema below ``schema``; ``branches=False`` skips the untyped branches of
    combinators (``anyOf: [{required: [a]}, ...]``), which constrain their enclosing object
    rather than describe objects of their own."""
    schema = resolve(doc, schema)
    if not isinstance(schema, Mapping) or id(schema) in seen:
        return
    seen.add(id(schema))
    yield schema
    for key in ("properties", "patternProperties", "$defs"):
        for sub in schema.get(key, {}).values():
            yield from _walk_schema(doc, sub, seen, branches=branches)
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        for sub in schema.get(key, []):
            if branches or key == "prefixItems" or "$ref" in sub or "type" in sub:
                yield from _walk_schema(doc, sub, seen, branches=branches)
    for key in ("items", "additionalProperties", "not", "contains", "propertyNames"):
        if isinstance(schema.get(key), Mapping):
            yield from _walk_schema(doc, schema[key], seen, branches=branches)


def _request_schemas(doc: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for path, method, op, params in iter_operations(doc, webhooks=False):
        body = resolve(doc, op.get("requestBody", {}))
        for media in body.get("content", {}).values():
            yield f"{method.upper()} {path} body", media.get("schema", {})
        for p in params:
            yield f"{method.upper()} {path} {p['in']}.{p['name']}", p.get("schema", {})


def request_bodies_forbid_unknown_properties(doc: Mapping[str, Any]) -> list[str]:
    """Every object in a request body closes its properties (no mass assignment)."""
    out = []
    for path, method, op, _ in iter_operations(doc, webhooks=False):
        body = resolve(doc, op.get("requestBody", {}))
        for media in body.get("content", {}).values():
            for schema in _walk_schema(doc, media.get("schema", {}), set(), branches=False):
                is_object = schema.get("type") == "object" or "properties" in schema
                if is_object and schema.get("additionalProperties", True) is True:
                    names = sorted(schema.get("properties", {}))
                    out.append(f"{method.upper()} {path}: object {names} allows unknown properties")
    return out


def request_strings_are_bounded(doc: Mapping[str, Any]) -> list[str]:
    """Every free-form string a client sends has a maxLength."""
    out = []
    for where, root in _request_schemas(doc):
        for schema in _walk_schema(doc, root, set()):
            types = schema.get("type")
            is_string = types == "string" or (isinstance(types, list) and "string" in types)
            if is_string and "maxLength" not in schema and "enum" not in schema:
                out.append(f"{where}: string without maxLength")
    return out


def limits_are_capped(doc: Mapping[str, Any]) -> list[str]:
    """Every page-size parameter has a maximum."""
    return [
        f"{method.upper()} {path}: limit has no maximum"
        for path, method, _, params in iter_operations(doc)
        for p in params
        if p["name"] == "limit" and "maximum" not in resolve(doc, p.get("schema", {}))
    ]


def errors_use_problem_schema(doc: Mapping[str, Any]) -> list[str]:
    """Every 4xx/5xx response is application/problem+json with the Problem schema."""
    problem_ref = "#/components/schemas/Problem"
    out = []
    for where, status, response in _responses(doc):
        if status[0] not in "45":
            continue
        content = response.get("content", {})
        media = content.get("application/problem+json")
        if set(content) != {"application/problem+json"} or media is None:
            out.append(f"{where}: error content is {sorted(content)}, not application/problem+json")
        elif media.get("schema", {}).get("$ref") != problem_ref:
            out.append(f"{where}: error schema is not {problem_ref}")
    return out


def passwords_are_write_only(doc: Mapping[str, Any]) -> list[str]:
    """Every property named like a password is writeOnly, so no response can carry one."""
    out = []
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        for sub in _walk_schema(doc, schema, set()):
            for prop, prop_schema in sub.get("properties", {}).items():
                if "password" in prop.lower():
                    merged = {**resolve(doc, prop_schema), **prop_schema}
                    if not merged.get("writeOnly"):
                        out.append(f"components/schemas/{name}.{prop}: password is not writeOnly")
    return out


def links_target_real_operations(doc: Mapping[str, Any]) -> list[str]:
    """Every link names an existing operationId and parameters that operation has."""
    ops = {op["operationId"]: params for _, _, op, params in iter_operations(doc)}
    out = []
    for where, _, response in _responses(doc):
        for name, link in response.get("links", {}).items():
            link = resolve(doc, link)
            target = link.get("operationId")
            if target not in ops:
                out.append(f"{where} link {name}: no operation {target!r}")
                continue
            known = {p["name"] for p in ops[target]}
            for param in link.get("parameters", {}):
                if re.sub(r"^(path|query|header|cookie)\.", "", param) not in known:
                    out.append(f"{where} link {name}: {target} has no parameter {param!r}")
    return out


RULES: dict[str, Rule] = {
    rule.__name__: rule
    for rule in (
        operations_have_id_tag_and_success,
        responses_have_valid_examples,
        request_examples_validate,
        secured_operations_document_401,
        operations_with_path_ids_document_404,
        request_bodies_forbid_unknown_properties,
        request_strings_are_bounded,
        limits_are_capped,
        errors_use_problem_schema,
        passwords_are_write_only,
        links_target_real_operations,
    )
}
