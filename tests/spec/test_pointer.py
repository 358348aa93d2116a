"""JSON pointers: escaping, joining, resolving, and following ``$ref`` chains."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mockserver.spec import pointer as jp


@given(st.text())
@example("~01")
@example("a/b~c")
def test_pointer_unescape_inverts_escape(token: str) -> None:
    assert jp.unescape(jp.escape(token)) == token
    assert "/" not in jp.escape(token)


@given(st.lists(st.text()))
def test_pointer_split_inverts_join(tokens: list[str]) -> None:
    assert jp.split(jp.join(tokens)) == tokens


@given(st.lists(st.text()).map(jp.join))
@example("/paths/~1users~1{id}/get")
@example("/a%20b/é")
def test_ref_from_pointer_round_trips_and_is_a_valid_uri_fragment(pointer: str) -> None:
    ref = jp.ref_from_pointer(pointer)
    assert jp.pointer_from_ref(ref) == pointer
    assert not set(ref) & set(' {}"<>\\^`|')


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)


def nodes(node: Any, tokens: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield tokens, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from nodes(value, (*tokens, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from nodes(value, (*tokens, str(index)))


@given(JSON)
def test_pointer_resolve_finds_every_node_of_a_document(document: Any) -> None:
    for tokens, node in nodes(document):
        assert jp.resolve(document, jp.join(tokens)) is node
        assert jp.resolve(document, list(tokens)) is node


@pytest.mark.parametrize(
    ("pointer", "message"),
    [
        ("/a/c", "/a has no 'c' (it has: b)"),
        ("/list/2", "/list has no '2' (it is a list of 2 items)"),
        ("/list/01", "/list has no '01'"),
        ("/a/b/x", "/a/b has no 'x' (it is a int, not a container)"),
        ("/nothing", "the document root has no 'nothing'"),
        ("a", "it must be empty or start with '/'"),
    ],
)
def test_pointer_resolve_errors_say_where_the_path_ends(pointer: str, message: str) -> None:
    with pytest.raises(jp.PointerError, match=None) as caught:
        jp.resolve({"a": {"b": 1}, "list": [1, 2]}, pointer)
    assert message in str(caught.value)


def test_pointer_follow_resolves_chains_and_stops_at_cycles() -> None:
    document = {"a": {"$ref": "#/b"}, "b": {"$ref": "#/c"}, "c": {"x": 1}, "d": {"$ref": "#/d"}}
    assert jp.follow(document, document["a"], "/a") == ("/c", {"x": 1})
    assert jp.follow(document, document["d"], "/d") == ("/d", {"$ref": "#/d"})
    assert jp.follow(document, {"$ref": "#/missing"}, "/z") == ("/z", {"$ref": "#/missing"})


def test_canonical_reads_a_pointer_through_the_refs_it_passes() -> None:
    document = {
        "a": {"$ref": "#/b"},
        "b": {"c": [{"$ref": "#/d"}], "x": 1},
        "d": {"e": "here"},
        "loop": {"$ref": "#/loop"},
        "far": {"$ref": "other.yaml#/b"},
    }
    assert jp.canonical(document, "/a/c/0/e") == "/d/e"
    assert jp.canonical(document, "/b/x") == "/b/x"
    assert jp.canonical(document, "/a/missing") is None
    assert jp.canonical(document, "/loop/x") is None  # a cycle ends the search
    assert jp.canonical(document, "/far/x") is None  # only local references are followed
    assert jp.canonical({"a": {"$ref": "#/gone"}}, "/a/x") is None
    assert jp.canonical({"a": 1}, "/a/x") is None
