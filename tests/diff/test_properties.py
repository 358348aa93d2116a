"""What must hold for any document: a diff with itself, with its keys reordered, with its
components renamed (every ``$ref`` updated) or with its 3.0 spelling finds nothing; any two
documents diff without error, each finding pointing at places that exist."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.diff.model import RULES
from mockserver.spec import pointer as jp
from mockserver.spec.files import read_spec_file
from mockserver.spec.loader import load_spec
from tests.conftest import SPEC
from tests.diff.builders import base, diff
from tests.schemas_strategy import documents

_PREFIX = "#/components/schemas/"


@cache
def _bundled() -> dict[str, Any]:
    parsed: dict[str, Any] = read_spec_file(SPEC, str(SPEC))
    return parsed


def _small() -> dict[str, Any]:
    return base()


DOCUMENTS = [pytest.param(_bundled, id="openapi.yaml"), pytest.param(_small, id="base")]


def _reordered(node: Any) -> Any:
    """``node`` with the keys of every mapping in reverse order."""
    if isinstance(node, dict):
        return {key: _reordered(node[key]) for key in reversed(list(node))}
    if isinstance(node, list):
        return [_reordered(item) for item in node]
    return node


def _renamed(node: Any, new_name: Callable[[str], str]) -> Any:
    """``node`` with every schema component renamed by ``new_name`` and each ``$ref`` to one
    (or into one), and each discriminator mapping target, rewritten to match."""
    if isinstance(node, list):
        return [_renamed(item, new_name) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith(_PREFIX):
            out[key] = _renamed_ref(value, new_name)
        elif key == "mapping" and isinstance(value, dict):
            out[key] = {
                k: _renamed_ref(v, new_name) if isinstance(v, str) and v.startswith(_PREFIX) else v
                for k, v in value.items()
            }
        else:
            out[key] = _renamed(value, new_name)
    schemas = out.get("components", {}).get("schemas") if "openapi" in out else None
    if isinstance(schemas, dict):
        out["components"]["schemas"] = {new_name(k): v for k, v in schemas.items()}
    return out


def _renamed_ref(ref: str, new_name: Callable[[str], str]) -> str:
    name, slash, rest = ref.removeprefix(_PREFIX).partition("/")
    return f"{_PREFIX}{new_name(name)}{slash}{rest}"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_document_diffed_with_itself_finds_nothing(document: Any) -> None:
    assert diff(document(), document()) == []


@pytest.mark.parametrize("document", DOCUMENTS)
def test_reordered_keys_find_nothing(document: Any) -> None:
    assert diff(document(), _reordered(document())) == []


@pytest.mark.parametrize("document", DOCUMENTS)
def test_components_renamed_with_their_refs_find_nothing(document: Any) -> None:
    renamed = _renamed(document(), lambda name: f"Renamed{name[::-1]}")
    assert renamed != document()
    assert diff(document(), renamed) == []


def test_a_3_0_document_and_its_3_1_spelling_find_nothing() -> None:
    old = base()
    old["openapi"] = "3.0.3"
    old["components"]["schemas"]["User"]["properties"]["name"] = {
        "type": "string",
        "nullable": True,
    }
    old["components"]["schemas"]["User"]["properties"]["boss"] = {
        "$ref": "#/components/schemas/Account",
        "nullable": True,
    }
    new = base()
    new["components"]["schemas"]["User"]["properties"]["name"] = {"type": ["string", "null"]}
    new["components"]["schemas"]["User"]["properties"]["boss"] = {
        "anyOf": [{"$ref": "#/components/schemas/Account"}, {"type": "null"}]
    }
    assert diff(old, new) == []


def test_nullable_added_in_3_0_is_found() -> None:
    old, new = base(), base()
    old["openapi"] = new["openapi"] = "3.0.3"
    new["components"]["schemas"]["User"]["properties"]["status"]["nullable"] = True
    assert [finding.rule for finding in diff(old, new)] == ["response-made-nullable"]


def _api(root: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """A document sending and answering the drawn schema ``Root``."""
    media = {"application/json": {"schema": {"$ref": f"{_PREFIX}Root"}}}
    operation = {
        "requestBody": {"content": media},
        "responses": {"200": {"description": "ok", "content": media}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "drawn", "version": "1"},
        "paths": {"/things": {"post": operation}},
        "components": {"schemas": {**components, "Root": root}},
    }


@settings(max_examples=40, deadline=None)
@given(documents())
def test_a_drawn_schema_renamed_and_reordered_finds_nothing(
    drawn: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    document, root = drawn
    old = _api(root, document["components"]["schemas"])
    new = _reordered(_renamed(copy.deepcopy(old), lambda name: f"{name}V2"))
    assert diff(old, new) == []


@settings(max_examples=40, deadline=None)
@given(documents(), documents())
def test_any_two_documents_diff_and_every_pointer_exists(
    one: tuple[dict[str, Any], dict[str, Any]], two: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    old = load_spec(_api(one[1], one[0]["components"]["schemas"]), validate=False).document
    new = load_spec(_api(two[1], two[0]["components"]["schemas"]), validate=False).document
    from mockserver.diff.operations import diff_documents

    for finding in diff_documents(old, new):
        assert finding.rule in RULES
        assert finding.old is not None
        assert finding.new is not None
        jp.resolve(old, finding.old)
        jp.resolve(new, finding.new)


@given(st.sampled_from(sorted(RULES)))
def test_rule_ids_are_stable_kebab_case(rule: str) -> None:
    assert rule == rule.lower()
    assert rule.replace("-", "").isalnum()
    assert rule.startswith(
        ("path-", "operation-", "request-", "response-", "security-", "webhook-", "callback-")
    )
