"""Projecting records onto response schemas: what is declared is shown, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mockserver.compile.resources import Resource
from mockserver.compile.schemas import SchemaFacts
from mockserver.state.records import Projector, RecordBuilder, project

DOCUMENT: dict[str, Any] = {
    "components": {
        "schemas": {
            "Tag": {"type": "object", "properties": {"label": {"type": "string"}}},
            "Node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                },
            },
            "Project": {
                "allOf": [
                    {"type": "object", "properties": {"id": {"type": "string"}}},
                    {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "tags": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Tag"},
                            },
                            "meta": {"type": "object"},
                        },
                    },
                ]
            },
        }
    }
}
PROJECT = {"$ref": "#/components/schemas/Project"}


def test_project_keeps_declared_fields_in_schema_order() -> None:
    record = {"name": "N", "secret": "s", "__owner__": "u", "id": "1"}
    assert list(project(record, PROJECT, DOCUMENT).items()) == [("id", "1"), ("name", "N")]


def test_project_follows_arrays_through_refs() -> None:
    record = {"tags": [{"label": "a", "hidden": 1}, {"label": "b"}]}
    assert project(record, PROJECT, DOCUMENT) == {"tags": [{"label": "a"}, {"label": "b"}]}


def test_project_passes_objects_without_properties_minus_bookkeeping() -> None:
    record = {"meta": {"free": {"form": True}, "__seq__": 3}}
    assert project(record, PROJECT, DOCUMENT) == {"meta": {"free": {"form": True}}}


def test_project_recursive_schema_stops_at_the_depth_limit() -> None:
    node: dict[str, Any] = {"name": "leaf", "extra": 1}
    for _ in range(40):
        node = {"name": "n", "children": [node], "extra": 1}
    projected = project(node, {"$ref": "#/components/schemas/Node"}, DOCUMENT)
    filtered = 0
    while "extra" not in projected:
        projected = projected["children"][0]
        filtered += 1
    # A node is an object in an array, two levels: depths 0 to 32 are 17 nodes, then as stored.
    assert filtered == 17
    assert projected["children"][0]["extra"] == 1


def test_projector_reads_each_schema_once_and_answers_the_same() -> None:
    projector = Projector(SchemaFacts(DOCUMENT))
    record = {"id": "1", "name": "N", "tags": [{"label": "x", "y": 2}], "__parent__": {}}
    first = projector.project(record, PROJECT)
    assert projector.project(record, PROJECT) == first == project(record, PROJECT, DOCUMENT)


def test_a_projection_fills_what_every_value_requires_not_each_branchs() -> None:
    # Found on Stripe's description: `source` is anyOf 16 objects; filling in every branch's
    # required fields made a read of a charge answer 1.3 MB that no branch admits.
    charge = {"type": "object", "required": ["amount"], "properties": {"amount": {}}}
    transfer = {"type": "object", "required": ["destination"], "properties": {"destination": {}}}
    base = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    source = {"allOf": [base], "anyOf": [charge, transfer]}
    filled: list[str] = []

    def fill(schema: Any, key: str) -> Any:
        filled.append(key.rsplit("|", 1)[-1])
        return "made"

    projected = Projector(SchemaFacts({}), fill).project({"amount": 1}, source)
    assert filled == ["id"]  # the allOf member's, which every value holds
    assert projected == {"id": "made", "amount": 1}


# -- timestamps of a changed record ---------------------------------------------------------


def _notes() -> tuple[RecordBuilder, Resource]:
    properties: dict[str, Any] = {"id": {"type": "string"}, "updatedAt": {"type": "string"}}
    schema = {"type": "object", "properties": properties}
    document: dict[str, Any] = {"openapi": "3.1.0", "paths": {}}
    builder = RecordBuilder(document, lambda schema, key: None)
    resource = Resource("/notes", "/notes/{id}", "id", schema, properties=properties)
    return builder, resource


def test_a_record_changed_twice_within_a_millisecond_gets_a_later_stamp_each_time() -> None:
    builder, notes = _notes()
    now = datetime(2026, 12, 4, 11, 18, 10, 914000, tzinfo=UTC)
    record: dict[str, Any] = {"id": "n1", "updatedAt": "2026-12-04T11:18:10.914Z"}
    stamps = [builder.touch(notes, record, now=now)["updatedAt"] for _ in range(3)]
    assert stamps == [
        "2026-12-04T11:18:10.915Z",
        "2026-12-04T11:18:10.916Z",
        "2026-12-04T11:18:10.917Z",
    ]
    later = builder.touch(notes, record, now=now + timedelta(milliseconds=10))
    assert later["updatedAt"] == "2026-12-04T11:18:10.924Z"  # the clock again once it is ahead


@pytest.mark.parametrize(
    "last",
    [
        "2026-12-04T11:18:09.999Z",  # earlier
        "2099-01-01T00:00:00.000Z",  # a fixture's stamp far ahead is not followed
        "2026-12-04T11:18:10.99xZ",  # not a date-time
        "yesterday",
        None,
    ],
)
def test_a_changed_record_is_stamped_now_otherwise(last: Any) -> None:
    builder, notes = _notes()
    now = datetime(2026, 12, 4, 11, 18, 10, 914000, tzinfo=UTC)
    record = builder.touch(notes, {"id": "n1", "updatedAt": last}, now=now)
    assert record["updatedAt"] == "2026-12-04T11:18:10.914Z"
