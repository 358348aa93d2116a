"""The request and response views: what they change, and that they share everything else."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given

from mockserver.spec.loader import load_spec
from mockserver.spec.views import views
from tests.schemas_strategy import documents

USER = {
    "type": "object",
    "required": ["id", "email", "password"],
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "email": {"type": "string"},
        "password": {"type": "string", "writeOnly": True},
    },
}
PLAIN = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}


def document() -> dict[str, Any]:
    return load_spec(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"User": copy.deepcopy(USER), "Plain": PLAIN}},
        }
    ).document


def test_the_request_view_no_longer_requires_read_only_properties() -> None:
    request, _ = views(document())
    user = request["components"]["schemas"]["User"]
    assert user["required"] == ["email", "password"]
    assert set(user["properties"]) == {"id", "email", "password"}


def test_the_response_view_has_no_write_only_properties() -> None:
    _, response = views(document())
    user = response["components"]["schemas"]["User"]
    assert user["required"] == ["id", "email"]
    assert set(user["properties"]) == {"id", "email"}


def test_views_share_what_they_do_not_change_and_leave_the_document_alone() -> None:
    original = document()
    before = copy.deepcopy(original)
    request, response = views(original)
    assert original == before
    for view in (request, response):
        assert view["components"]["schemas"]["Plain"] is original["components"]["schemas"]["Plain"]
        assert view["info"] is original["info"]
        assert (
            view["components"]["schemas"]["User"] is not original["components"]["schemas"]["User"]
        )


def test_a_document_without_flags_is_its_own_view() -> None:
    plain = load_spec(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"Plain": PLAIN}},
        }
    ).document
    request, response = views(plain)
    assert request is plain
    assert response is plain


@given(documents())
def test_views_never_change_the_document(drawn: tuple[dict[str, Any], dict[str, Any]]) -> None:
    loaded = load_spec(drawn[0]).document
    before = copy.deepcopy(loaded)
    views(loaded)
    assert loaded == before


def test_a_write_only_property_holding_more_write_only_properties_is_dropped_once() -> None:
    # Found by the full corpus (Jira's `screens`): the inner schema's own writeOnly flags were
    # applied after the property holding it had left the response view, and start-up crashed.
    inner = {"type": "object", "properties": {"id": {"type": "string", "writeOnly": True}}}
    outer = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "screens": {"type": "array", "writeOnly": True, "items": inner},
        },
    }
    document: dict[str, Any] = {"openapi": "3.1.0", "components": {"schemas": {"Scheme": outer}}}
    _, response = views(document)
    assert response["components"]["schemas"]["Scheme"]["properties"] == {"name": {"type": "string"}}
    assert document["components"]["schemas"]["Scheme"] is outer  # the document is untouched
