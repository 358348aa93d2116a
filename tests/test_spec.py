"""The bundled OpenAPI and AsyncAPI documents obey the house rules."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.documents import load_yaml
from tests.spec_rules import RULES, iter_operations, resolve

ROOT = Path(__file__).resolve().parent.parent
OPENAPI = ROOT / "openapi" / "openapi.yaml"
ASYNCAPI = ROOT / "openapi" / "asyncapi.yaml"

Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(OPENAPI.read_text())
    return loaded


def _operation(doc: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for _, _, op, _ in iter_operations(doc):
        if op.get("operationId") == operation_id:
            return op
    raise LookupError(operation_id)


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return schema


# One mutation per rule: each breaks the rule in one place, proving the rule can fail.
MUTATIONS: dict[str, Mutation] = {
    "operations_have_id_tag_and_success": lambda d: _operation(d, "getHealth").update(
        tags=["nonexistent"]
    ),
    "responses_have_valid_examples": lambda d: d["components"]["examples"]["Project"][
        "value"
    ].update(status="bogus"),
    "request_examples_validate": lambda d: d["components"]["examples"]["RegisterRequest"][
        "value"
    ].update(email="not-an-email"),
    "secured_operations_document_401": lambda d: _operation(d, "getCurrentUser")["responses"].pop(
        "401"
    ),
    "operations_with_path_ids_document_404": lambda d: _operation(d, "getProject")["responses"].pop(
        "404"
    ),
    "request_bodies_forbid_unknown_properties": lambda d: _schema(d, "ProjectCreate").pop(
        "additionalProperties"
    ),
    "request_strings_are_bounded": lambda d: _schema(d, "ProjectCreate")["properties"]["name"].pop(
        "maxLength"
    ),
    "limits_are_capped": lambda d: d["components"]["parameters"]["Limit"]["schema"].pop("maximum"),
    "errors_use_problem_schema": lambda d: _operation(d, "registerUser")["responses"]["409"].update(
        content={"application/json": {"schema": {"type": "object"}}}
    ),
    "passwords_are_write_only": lambda d: _schema(d, "Password").pop("writeOnly"),
    "links_target_real_operations": lambda d: d["components"]["links"]["GetProject"].update(
        operationId="noSuchOperation"
    ),
}


def test_every_rule_has_a_mutation_that_breaks_it() -> None:
    assert set(MUTATIONS) == set(RULES)


def test_spec_is_a_valid_openapi_3_1_document(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    validate_openapi(spec)


@pytest.mark.parametrize("rule_name", sorted(RULES))
def test_spec_obeys_rule(spec: dict[str, Any], rule_name: str) -> None:
    assert RULES[rule_name](spec) == []


@pytest.mark.parametrize("rule_name", sorted(RULES))
def test_rule_reports_a_spec_that_breaks_it(spec: dict[str, Any], rule_name: str) -> None:
    broken = copy.deepcopy(spec)
    MUTATIONS[rule_name](broken)
    assert RULES[rule_name](broken) != []


def test_spec_is_big_enough_to_model_the_platform(spec: dict[str, Any]) -> None:
    operations = [op for path, _, op, _ in iter_operations(spec) if path.startswith("/")]
    tags = {tag for op in operations for tag in op["tags"]}
    links = [
        link
        for op in operations
        for response in op["responses"].values()
        for link in resolve(spec, response).get("links", {}).values()
    ]
    assert len(operations) >= 30
    assert {"auth", "projects", "orders", "payments", "sessions"} <= tags
    assert len(links) >= 8


def test_spec_declares_signed_payment_webhooks(spec: dict[str, Any]) -> None:
    webhooks = spec["webhooks"]
    assert set(webhooks) == {"paymentSucceeded", "paymentFailed", "paymentRefunded"}
    for item in webhooks.values():
        params = [resolve(spec, p) for p in item["post"]["parameters"]]
        assert [p["name"] for p in params] == ["Webhook-Signature"]


def test_login_documents_retry_after_on_429(spec: dict[str, Any]) -> None:
    response = resolve(spec, _operation(spec, "loginUser")["responses"]["429"])
    assert "Retry-After" in response["headers"]


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ASYNCAPI.read_text())
    return loaded


def test_asyncapi_describes_the_session_channel(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"].startswith("3.")
    channel = asyncapi["channels"]["sessionEvents"]
    assert channel["address"] == "/sessions/{sessionId}/events"
    assert set(channel["x-close-codes"]) == {"1000", "1013", "4401", "4403", "4404", "4409"}


def test_asyncapi_messages_reference_real_openapi_schemas(asyncapi: dict[str, Any]) -> None:
    base = ASYNCAPI.as_uri()
    registry: Registry[Any] = Registry().with_resources(
        [
            (uri, Resource.from_contents(yaml.safe_load(path.read_text()), DRAFT202012))
            for uri, path in ((base, ASYNCAPI), (OPENAPI.as_uri(), OPENAPI))
        ]
    )
    messages = asyncapi["components"]["messages"]
    assert messages
    for name, message in messages.items():
        pointer = message["payload"]["$ref"]
        validator = jsonschema.Draft202012Validator(
            {"$ref": base + pointer},
            registry=registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        assert message["examples"], f"{name} has no example"
        for example in message["examples"]:
            # Resolving every $ref happens here: a dangling one raises.
            validator.validate(example["payload"])
            broken = {**example["payload"], "session": {"id": "not-a-session"}}
            assert not validator.is_valid(broken)


@pytest.mark.parametrize("path", [OPENAPI, ASYNCAPI], ids=lambda path: path.name)
def test_the_tests_fast_yaml_reads_the_bundled_documents_as_safe_load_does(path: Path) -> None:
    """The test modules read these through `tests.documents.load_yaml` (LibYAML)."""
    text = path.read_text()
    assert load_yaml(text) == yaml.safe_load(text)


def test_the_tests_fast_yaml_refuses_what_safe_load_refuses() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        load_yaml("!!python/object/apply:os.system ['true']")
