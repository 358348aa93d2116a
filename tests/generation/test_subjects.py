"""Tests of mockserver.generation.subjects: a name fits the resource it names."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mockserver.generation import realistic
from mockserver.generation.generator import DataGenerator
from mockserver.generation.subjects import named, resource_of, resource_of_key
from tests.generation.test_generator import REF, assert_valid, make_document

NOW = realistic.FIXED_EPOCH
_FIRST_NAMES = {"Ada", "Alan", "Amara", "Ben", "Chen", "Diego", "Elena", "Fatima", "Grace"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("User", "person"), ("ProjectSummary", "project"), ("owner", "person"),
     ("cities", "city"), ("CompanyProfile", "company"), ("Pet", "pet"), ("order_items", "product"),
     ("Widget", None), ("", None)],
)  # fmt: skip
def test_resource_of_reads_the_first_known_word(name: str, expected: str | None) -> None:
    assert resource_of(name) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [("GET /api/v1/projects?page=2", "project"), ("GET /users/42", "person"),
     ("/paths/~1c/get/responses/200/content/application~1json|GET /cities?", "city"),
     ("POST /pets/{petId}", "pet"), ("GET /", None), ("record 7", None)],
)  # fmt: skip
def test_resource_of_key_reads_the_last_word_of_the_path(key: str, expected: str | None) -> None:
    assert resource_of_key(key) == expected


@pytest.mark.parametrize("resource", ["project", "product", "pet", "team", "city", "company"])
def test_named_gives_a_thing_no_person_name(resource: str) -> None:
    for seed in range(30):
        value = named("name", resource, random.Random(seed), now=NOW, max_length=None)
        assert value is not None
        assert value.split(" ")[0] not in _FIRST_NAMES or resource == "pet"


def test_named_gives_a_person_a_person_name_and_leaves_other_properties_alone() -> None:
    person = named("name", "person", random.Random(1), now=NOW, max_length=None)
    assert person is not None
    assert person.split(" ")[0] in realistic_first_names()
    assert named("firstName", "project", random.Random(1), now=NOW, max_length=None) is None
    assert named("name", None, random.Random(1), now=NOW, max_length=None) is None


def test_named_cuts_on_a_word_boundary_within_max_length() -> None:
    for seed in range(30):
        value = named("name", "product", random.Random(seed), now=NOW, max_length=14)
        assert value is not None
        assert len(value) <= 14
        assert not value.endswith(" ")


def realistic_first_names() -> set[str]:
    rng = random.Random(0)
    return {str(realistic.name_value("firstName", "string", rng, now=NOW)) for _ in range(400)}


_NAMED = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}


def _generated_name(schemas: dict[str, Any], ref: str, seed: int) -> Any:
    document = make_document(**schemas)
    schema = document["components"]["schemas"][ref]
    value = DataGenerator(document, seed=seed).generate(schema, key="GET /things")
    assert_valid(document, REF + ref, value, "response")
    return value


def test_generate_names_a_project_by_its_component_and_its_owner_by_the_property() -> None:
    people = realistic_first_names()
    project = {
        "type": "object",
        "required": ["name", "owner"],
        "properties": {"name": {"type": "string", "maxLength": 40}, "owner": _NAMED},
    }
    for seed in range(10):
        value = _generated_name({"Project": project}, "Project", seed)
        assert value["name"].split(" ")[0] not in people
        assert value["owner"]["name"].split(" ")[0] in people


def test_generate_names_a_city_by_its_component() -> None:
    for seed in range(10):
        value = _generated_name({"City": _NAMED}, "City", seed)
        assert " " not in value["name"] or value["name"] == "Cape Town"
        assert value["name"].split(" ")[0] not in realistic_first_names()
