"""The Location of a created record (`mockserver.state.context.StateContext.location`): ids
and parents' ids of any text are percent-encoded segments a client can follow, and a line
break in one cannot end the header, in-process and on a real server."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from mockserver import create_app
from mockserver.server.wire import header_value
from tests.conftest import RunningServer
from tests.hostile import read_response
from tests.inprocess import InProcess

MakeMock = Callable[..., InProcess]

NOTE = {
    "type": "object",
    "required": ["text"],
    "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
}


def _param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _answer(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": NOTE}}, **extra}


# Notes under an owner, the note's id chosen by the client in the body.
NOTES: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Notes", "version": "1"},
    "paths": {
        "/owners/{ownerId}/notes": {
            "parameters": [_param("ownerId")],
            "post": {
                "requestBody": {"content": {"application/json": {"schema": NOTE}}},
                "responses": {
                    "201": _answer("Created", headers={"Location": {"schema": {"type": "string"}}})
                },
            },
        },
        "/owners/{ownerId}/notes/{noteId}": {
            "parameters": [_param("ownerId"), _param("noteId")],
            "get": {"responses": {"200": _answer("A note"), "404": {"description": "None"}}},
        },
    },
}

ODD = ["a b", "a/b", "é", "line\r\nSet-Cookie: x=1", "100%", "a?b#c"]


@pytest.mark.parametrize("odd", ODD)
def test_an_odd_id_is_one_encoded_segment_a_client_can_follow(
    make_mock: MakeMock, odd: str
) -> None:
    notes = make_mock(create_app(NOTES, seed=1))
    created = notes.request("POST", "/owners/o1/notes", json={"id": odd, "text": "hi"})
    assert created.status_code == 201
    location = created.headers["location"]
    assert location == "/owners/o1/notes/" + quote(odd, safe="!$&'()*+,;=:@")
    assert notes.request("GET", location).json() == {"id": odd, "text": "hi"}


@pytest.mark.parametrize("odd", ODD)
def test_an_odd_parent_id_is_one_encoded_segment_too(make_mock: MakeMock, odd: str) -> None:
    notes = make_mock(create_app(NOTES, seed=1))
    owner = quote(odd, safe="")
    created = notes.request("POST", f"/owners/{owner}/notes", json={"id": "n1", "text": "hi"})
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.endswith("/notes/n1")
    assert "\r" not in location
    assert notes.request("GET", location).json() == {"id": "n1", "text": "hi"}


def test_a_plain_id_is_left_as_it_is(make_mock: MakeMock) -> None:
    notes = make_mock(create_app(NOTES, seed=1))
    uuid = "9889dc30-6f35-452a-a308-889589ffc02b"
    created = notes.request("POST", "/owners/o.1_~x/notes", json={"id": uuid, "text": "hi"})
    assert created.headers["location"] == f"/owners/o.1_~x/notes/{uuid}"


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("plain", b"plain"),
        ("caf\u00e9", b"caf\xe9"),  # Latin-1, what HTTP clients decode
        ("\u20ac 5", "\u20ac 5".encode()),  # beyond Latin-1: UTF-8, not a question mark
        ("two\r\nlines\x00", b"two  lines "),  # no header may carry them: spaces
        ("tab\tkept", b"tab\tkept"),
    ],
)
def test_a_header_value_is_sent_whole_and_never_ends_the_header(value: str, sent: bytes) -> None:
    assert header_value(value) == sent


@pytest.mark.slow
def test_a_line_break_in_an_id_gets_an_answer_from_a_real_server(
    make_server: Callable[..., RunningServer],
) -> None:
    # Before: uvicorn refused the Location header and closed the connection, no answer.
    server = make_server(create_app(NOTES, seed=1))
    body = b'{"id": "line\\r\\nSet-Cookie: x=1", "text": "hi"}'
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(
            b"POST /owners/o1/notes HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )
        response = read_response(conn)
    assert response is not None
    assert response.status == 201
    assert response.headers["location"] == "/owners/o1/notes/line%0D%0ASet-Cookie:%20x=1"
    assert "set-cookie" not in response.headers
