"""The pointers into the base document of `tests.diff.builders` that rule pairs edit, and the
check every pair runs: exactly the expected rule ids, each finding's pointers resolving."""

from __future__ import annotations

import pytest

from mockserver.diff.operations import diff_documents
from mockserver.spec import pointer as jp
from tests.diff.builders import Edit, edited, load, rules

__all__ = [
    "BODY",
    "CREATED",
    "LISTED",
    "LIST_PARAMS",
    "OPTIONAL",
    "PETS",
    "REQUIRED",
    "SCHEMAS",
    "USER",
    "USERS",
    "Case",
    "check",
    "content_parameter",
    "each_case",
]

# (id, edits of the old document, edits of the new document, the rule ids found)
Case = tuple[str, list[Edit], list[Edit], list[str]]

USERS = "/paths/~1users"
USER = "/paths/~1users~1{id}"
PETS = "/paths/~1pets"
SCHEMAS = "/components/schemas"
LIST_PARAMS = f"{USERS}/get/parameters"
BODY = f"{USERS}/post/requestBody"
CREATED = f"{USERS}/post/responses/201"
LISTED = f"{USERS}/get/responses/200"
OPTIONAL = {"name": "q", "in": "query", "schema": {"type": "string"}}
REQUIRED = {**OPTIONAL, "required": True}


def content_parameter(values: list[str]) -> dict[str, object]:
    """A query parameter whose JSON content has a property ``a`` of enum ``values``."""
    schema = {"type": "object", "properties": {"a": {"type": "string", "enum": values}}}
    return {"name": "f", "in": "query", "content": {"application/json": {"schema": schema}}}


def check(old_edits: list[Edit], new_edits: list[Edit], expected: list[str]) -> None:
    """The base edited into the old and the new document differ by exactly ``expected``."""
    old, new = load(edited(old_edits)), load(edited(new_edits))
    findings = diff_documents(old, new)
    assert rules(findings) == sorted(expected)
    for finding in findings:  # each names a place that exists in its document
        assert finding.old is not None
        assert finding.new is not None
        jp.resolve(old, finding.old)
        jp.resolve(new, finding.new)


def each_case(cases: list[Case]) -> pytest.MarkDecorator:
    """Parametrize a test by rule pairs: ``old_edits``, ``new_edits``, ``expected``, by id."""
    return pytest.mark.parametrize(
        ("old_edits", "new_edits", "expected"),
        [pytest.param(old, new, expected, id=name) for name, old, new, expected in cases],
    )
