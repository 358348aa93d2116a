"""State seeded from the spec: the example records stored at a collection's first use."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

import pytest

from mockserver import create_app
from mockserver.errors import ConfigError, StateUnavailableError
from mockserver.spec.loader import load_spec
from mockserver.state import seeding
from mockserver.state.mock import StatefulMock
from mockserver.store.memory import MemoryStore
from tests.inprocess import BUNDLED, InProcess
from tests.public_specs import CorpusUnavailable, corpus_dir
from tests.redis_server import redis_server

MakeMock = Callable[..., InProcess]
PET_HEADERS = {"api_key": "k", "Authorization": "Bearer t"}

PET: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string", "maxLength": 20},
        "tag": {"type": "string"},
    },
}
TASK: dict[str, Any] = {
    "type": "object",
    "required": ["id", "title"],
    "properties": {
        "id": {"type": "string"},
        "projectId": {"type": "string", "readOnly": True},
        "title": {"type": "string"},
    },
}


def _json(schema: Any, **media: Any) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema, **media}}}


def _param(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _document(**extra: Any) -> dict[str, Any]:
    """Pets listed with examples, read by id, replaced and deleted; tasks under projects."""
    listed = {"value": [{"id": 7, "name": "Rex"}, {"id": 8, "name": "Tom", "tag": "cat"}]}
    invalid = {"value": [{"id": 9, "name": "x" * 40}]}  # its schema refuses it: left out
    pets = {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/pets": {
                "get": {
                    "responses": {"200": _json(pets, examples={"two": listed, "bad": invalid})}
                },
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": PET}}},
                    "responses": {"201": _json({"$ref": "#/components/schemas/Pet"})},
                },
            },
            "/pets/{petId}": {
                "parameters": [_param("petId", "integer")],
                "get": {"responses": {"200": _json({"$ref": "#/components/schemas/Pet"})}},
                "put": {
                    "requestBody": {"content": {"application/json": {"schema": PET}}},
                    "responses": {"200": _json({"$ref": "#/components/schemas/Pet"})},
                },
                "delete": {"responses": {"204": {"description": "gone"}}},
            },
            "/projects/{projectId}": {
                "parameters": [_param("projectId")],
                "get": {"responses": {"200": _json({"type": "object"})}},
            },
            "/projects/{projectId}/tasks/{taskId}": {
                "parameters": [_param("projectId"), _param("taskId")],
                "get": {"responses": {"200": _json({"$ref": "#/components/schemas/Task"})}},
            },
        },
        "components": {"schemas": {"Pet": PET, "Task": TASK}},
    }
    document.update(extra)
    return copy.deepcopy(document)


def _mock(make_mock: MakeMock, document: Any = None, **options: Any) -> InProcess:
    return make_mock(create_app(document or _document(), seed=3, **options))


def test_list_examples_are_readable_at_start(make_mock: MakeMock) -> None:
    mock = _mock(make_mock)
    assert mock.request("GET", "/pets/7").json() == {"id": 7, "name": "Rex"}
    assert mock.request("GET", "/pets/8").json() == {"id": 8, "name": "Tom", "tag": "cat"}
    listed = mock.request("GET", "/pets").json()
    assert [pet["id"] for pet in listed] == [8, 7]


def test_seeded_records_are_owned_by_nobody_and_an_invalid_example_is_left_out(
    make_mock: MakeMock,
) -> None:
    mock = _mock(make_mock, missing="404")
    state = mock.admin("GET", "/state").json()["collections"]["/pets"]
    assert set(state) == {"7", "8"}  # not 9: its name is longer than the schema allows
    assert all(record["__owner__"] is None for record in state.values())
    assert mock.request("GET", "/pets/9").status_code == 404


def test_seeded_records_change_through_the_api(make_mock: MakeMock) -> None:
    mock = _mock(make_mock)
    replaced = mock.request("PUT", "/pets/7", json={"name": "Rex II"})
    assert replaced.json() == {"id": 7, "name": "Rex II"}
    assert mock.request("GET", "/pets/7").json()["name"] == "Rex II"
    assert mock.request("DELETE", "/pets/8").status_code == 204
    # Deleted stays deleted, not materialized again.
    assert mock.request("GET", "/pets/8").status_code == 404


def test_a_create_after_seeding_takes_an_id_no_example_holds(make_mock: MakeMock) -> None:
    mock = _mock(make_mock)
    created = mock.request("POST", "/pets", json={"name": "New"}).json()
    assert created["id"] > 8
    assert mock.request("GET", "/pets/7").json()["name"] == "Rex"


def test_no_seed_examples_starts_empty(make_mock: MakeMock) -> None:
    mock = _mock(make_mock, seed_examples=False, missing="404")
    assert mock.request("GET", "/pets/7").status_code == 404
    assert mock.request("GET", "/pets").json() == []


def _written_for_this_mock(document: dict[str, Any]) -> bool:
    engine = create_app(document).state.engine
    return not (engine.state.seed_examples or engine.state.context.materialize)


def _mark_operation(document: dict[str, Any]) -> None:
    document["paths"]["/pets"]["get"]["x-mock-guard"] = {}


def _mark_path_item(document: dict[str, Any]) -> None:
    document["paths"]["/pets"]["x-mock-note"] = "ours"


def _mark_example(document: dict[str, Any]) -> None:
    media = document["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]
    media["examples"]["two"]["x-mock-match"] = {"query": {"a": 1}}


def _mark_schema(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["Task"]["x-mock-note"] = "ours"


def _mark_property(document: dict[str, Any]) -> None:
    pet = dict(PET, properties={**PET["properties"], "n": {"x-mock-compute": "1"}})
    document["components"]["schemas"]["Pet"] = pet


def _mark_top(document: dict[str, Any]) -> None:
    document["x-mock-note"] = "ours"


@pytest.mark.parametrize(
    "mark",
    [_mark_top, _mark_path_item, _mark_operation, _mark_example, _mark_schema, _mark_property],
)
def test_x_mock_extensions_where_they_mean_something_mark_a_document_as_ours(
    mark: Callable[[dict[str, Any]], None],
) -> None:
    assert not _written_for_this_mock(_document())
    document = _document()
    mark(document)
    assert _written_for_this_mock(document)


def test_a_document_written_for_this_mock_is_neither_seeded_nor_materialized() -> None:
    engine = create_app(load_spec(BUNDLED)).state.engine
    assert engine.state is not None
    assert not engine.state.seed_examples
    assert not engine.state.context.materialize
    # Told otherwise, it is.
    told = create_app(load_spec(BUNDLED), missing="materialize", seed_examples=True)
    assert told.state.engine.state.context.materialize
    assert told.state.engine.state.seed_examples


def test_a_document_with_extensions_is_not_materialized(make_mock: MakeMock) -> None:
    mock = _mock(make_mock, _document(**{"x-mock-note": "ours"}))
    assert mock.request("GET", "/pets/42").status_code == 404
    assert mock.request("GET", "/pets/7").status_code == 404


def test_reset_brings_the_seeded_records_back(make_mock: MakeMock) -> None:
    mock = _mock(make_mock)
    mock.request("DELETE", "/pets/7")
    assert mock.admin("POST", "/reset").status_code == 204
    assert mock.request("GET", "/pets/7").json() == {"id": 7, "name": "Rex"}


def test_seeding_happens_once_per_store() -> None:
    engine = create_app(_document(), seed=3).state.engine
    assert engine.state is not None

    async def twice() -> tuple[int, int]:
        assert engine.state is not None
        return await engine.state.seed(), await engine.state.seed()

    assert asyncio.run(twice()) == (2, 0)


def test_an_unknown_missing_choice_is_refused_at_the_boundary() -> None:
    with pytest.raises(ConfigError, match="expected missing='404' or 'materialize'"):
        create_app(_document(), missing="410")  # type: ignore[arg-type]


def test_objects_built_from_property_examples_are_seeded(make_mock: MakeMock) -> None:
    pet = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "id": {"type": "integer", "example": 25},
            "name": {"type": "string", "example": "doggie"},
            "photoUrls": {"type": "array", "items": {"type": "string", "example": "p.png"}},
        },
    }
    document = _document()
    document["components"]["schemas"]["Pet"] = pet
    del document["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"][
        "examples"
    ]
    mock = _mock(make_mock, document)
    built = mock.request("GET", "/pets/25").json()
    assert built == {"id": 25, "name": "doggie", "photoUrls": ["p.png"]}


# -- the petstore of @readme/oas-examples, as a new user serves it ---------------------------


@pytest.fixture(scope="module")
def petstore() -> str:
    try:
        return str(corpus_dir() / "3.0" / "json" / "petstore.json")
    except CorpusUnavailable as exc:
        pytest.skip(str(exc))


def test_the_petstore_answers_a_pet_for_any_id_and_takes_writes_on_it(
    make_mock: MakeMock, petstore: str
) -> None:
    mock = make_mock(create_app(petstore, seed=1), prefix="/v2")
    first = mock.request("GET", "/pet/1", headers=PET_HEADERS)
    assert first.status_code == 200, first.text
    assert first.json()["id"] == 1
    assert mock.request("GET", "/pet/1", headers=PET_HEADERS).json() == first.json()
    # Built from the Pet schema's property examples: readable at start.
    assert mock.request("GET", "/pet/25", headers=PET_HEADERS).json()["name"] == "doggie"
    replaced = {"id": 1, "name": "rex", "photoUrls": [], "status": "sold"}
    assert mock.request("PUT", "/pet", json=replaced, headers=PET_HEADERS).status_code == 200
    assert mock.request("GET", "/pet/1", headers=PET_HEADERS).json() == replaced
    assert mock.request("DELETE", "/pet/1", headers=PET_HEADERS).status_code == 200
    assert mock.request("GET", "/pet/1", headers=PET_HEADERS).status_code == 404


# -- workers sharing Redis seed once -----------------------------------------------------------


def _state(mock: InProcess) -> StatefulMock:
    app: Any = mock.app
    state: StatefulMock = app.state.engine.state
    return state


@pytest.mark.slow
def test_workers_sharing_redis_seed_each_collection_once(make_mock: MakeMock) -> None:
    with redis_server() as server:
        url = server.url()
        first = _mock(make_mock, state_url=url)
        second = _mock(make_mock, state_url=url)
        # One worker stores the two examples; the other finds them there (each on its own
        # loop, as workers are; the store's lock orders them when they overlap).
        assert first.run(_state(first).seed()) == 2
        assert second.run(_state(second).seed()) == 0
        assert first.request("GET", "/pets/7").json() == {"id": 7, "name": "Rex"}
        assert second.request("DELETE", "/pets/7").status_code == 204
        # Neither worker seeds it again: deleted through the API, it stays deleted.
        assert first.request("GET", "/pets/7").status_code == 404
        assert second.request("GET", "/pets/7").status_code == 404
        third = _mock(make_mock, state_url=url)  # a worker started later
        assert third.request("GET", "/pets/7").status_code == 404
        assert third.request("GET", "/pets/8").json()["name"] == "Tom"
        for mock in (first, second, third):
            mock.close()


def test_a_record_the_list_would_answer_invalidly_is_not_seeded(make_mock: MakeMock) -> None:
    # Found by the corpus (groundhog-day.com): the read answers {"groundhog": {...}}, the list
    # groundhogs whose id is an integer; the read's example, seeded under a made-up string id,
    # was then listed against the list's schema.
    ghog = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
    wrapped = {"type": "object", "properties": {"groundhog": ghog}}
    listed = {"type": "object", "properties": {"groundhogs": {"type": "array", "items": ghog}}}
    example = {"groundhog": {"id": 51, "name": "Lucy"}}
    document = _document()
    document["paths"]["/groundhogs"] = {
        "get": {
            "responses": {"200": _json(listed, example={"groundhogs": [{"id": 1, "name": "Phil"}]})}
        }
    }
    document["paths"]["/groundhogs/{slug}"] = {
        "parameters": [_param("slug")],
        "get": {"responses": {"200": _json(wrapped, example=example)}},
    }
    mock = _mock(make_mock, document)
    answer = mock.request("GET", "/groundhogs").json()
    assert [g["id"] for g in answer["groundhogs"]] == [1]
    # A read of a slug materializes a record the read answers; the list leaves it out.
    assert mock.request("GET", "/groundhogs/wiarton-willie").status_code == 200
    answer = mock.request("GET", "/groundhogs").json()
    assert [g["id"] for g in answer["groundhogs"]] == [1]


class _FlakyStore(MemoryStore):
    """A store that cannot be reached the first time seeding asks it anything."""

    def __init__(self) -> None:
        super().__init__()
        self.away = True

    async def get_value(self, key: str) -> Any:
        if self.away and key.startswith("seeded|"):
            self.away = False
            raise StateUnavailableError("the shared state cannot be reached")
        return await super().get_value(key)


def test_a_collection_whose_seeding_failed_is_seeded_at_the_next_use(make_mock: MakeMock) -> None:
    mock = _mock(make_mock, store=_FlakyStore())
    assert mock.request("GET", "/pets/7").status_code == 503
    assert mock.request("GET", "/pets/7").json() == {"id": 7, "name": "Rex"}


def test_property_examples_of_a_web_of_recursive_types_are_gathered_in_bounded_steps() -> None:
    # Found by the corpus (presalytics.io's OOXML types): the walk re-entered every type on
    # every path down to its depth limit, 4**8 visits and more; a read never ended.
    names = [f"T{i}" for i in range(6)]
    schemas = {
        name: {
            "type": "object",
            "properties": {
                "label": {"type": "string", "example": name},
                **{
                    f"to{j}": {"$ref": f"#/components/schemas/{names[(i + j + 1) % 6]}"}
                    for j in range(4)
                },
            },
        }
        for i, name in enumerate(names)
    }
    document = {"components": {"schemas": schemas}}
    left = [seeding._MAX_VISITS]
    built = seeding._from_property_examples(document, schemas["T0"], 0, (), left)
    assert built["label"] == "T0"
    assert built["to0"]["label"] == "T1"
    assert seeding._MAX_VISITS - left[0] < 2000
