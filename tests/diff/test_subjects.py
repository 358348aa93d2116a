"""`mockserver.diff.model.Subject`: each finding says which part of the exchange it is about
(parameter, request body property, response status and property, header), as
`mockserver.diff.impact` needs to find the interactions that use it."""

from __future__ import annotations

import pytest

from mockserver.diff.model import Subject
from tests.diff.builders import Edit, diff, drop, edited, put

USERS = "/paths/~1users"
SCHEMAS = "/components/schemas"


@pytest.mark.parametrize(
    ("edits", "rule", "subject"),
    [
        (
            [drop(f"{USERS}/get/parameters/0")],
            "request-parameter-removed",
            Subject("parameter", "query", "limit"),
        ),
        (
            [put(f"{USERS}/get/parameters/0/schema/maximum", 10)],
            "request-bound-narrowed",
            Subject("parameter", "query", "limit"),
        ),
        (
            [put(f"{SCHEMAS}/NewUser/properties/name/maxLength", 5)],
            "request-bound-narrowed",
            Subject("request-body", field=("name",)),
        ),
        (
            [put(f"{SCHEMAS}/NewUser/required", ["name", "age"])],
            "request-property-made-required",
            Subject("request-body", field=("age",)),
        ),
        (
            [drop(f"{SCHEMAS}/User/properties/status")],
            "response-property-removed",
            Subject("response", "201", field=("status",)),
        ),
        (
            [put(f"{USERS}/get/responses/200/content/application~1json/schema/items/type",
                 ["string", "null"])],
            "response-made-nullable",
            Subject("response", "200", field=("[]",)),
        ),
        (
            [drop(f"{USERS}/get/responses/200/headers/X-Total")],
            "response-header-removed",
            Subject("response-header", "200", "x-total"),
        ),
        ([drop(f"{USERS}/get/responses/200")], "response-success-status-removed",
         Subject("response", "200")),
        ([drop(f"{USERS}/get")], "operation-removed", Subject()),
    ],
)  # fmt: skip
def test_each_finding_names_what_of_the_exchange_it_is_about(
    edits: list[Edit], rule: str, subject: Subject
) -> None:
    subjects = [f.subject for f in diff(edited([]), edited(edits)) if f.rule == rule]
    assert subject in subjects
