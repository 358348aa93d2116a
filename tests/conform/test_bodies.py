"""Bodies and queries varied from the spec's examples, within what the schema allows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockserver.conform.bodies import (
    clearing_body,
    focused_queries,
    search_words,
    vary_body,
    vary_query,
)
from mockserver.conform.model import ApiModel
from mockserver.conform.steps import CLEAR
from tests.conform.conftest import bundled_model


def test_the_first_variants_are_the_examples_as_written(model: ApiModel) -> None:
    pay = model.endpoint("payOrder")
    assert vary_body(model, pay, 0) == (True, {"paymentMethod": "pm_card_visa"})
    assert vary_body(model, pay, 1) == (True, {"paymentMethod": "pm_card_declined"})
    assert vary_body(model, model.endpoint("getProject"), 5) == (False, None)


@given(variant=st.integers(min_value=0, max_value=500))
def test_varied_bodies_keep_to_the_schema(variant: int) -> None:
    model = bundled_model()
    has_body, body = vary_body(model, model.endpoint("createProject"), variant)
    assert has_body
    assert set(body) <= {"name", "description", "status"}
    assert "name" in body
    assert body.get("status", "active") in ("active", "on_hold", "completed", "archived")
    _, update = vary_body(model, model.endpoint("updateProject"), variant)
    assert update  # minProperties: 1
    _, pay = vary_body(model, model.endpoint("payOrder"), variant)
    assert pay["paymentMethod"] in (
        "pm_card_visa", "pm_card_declined", "pm_card_insufficient_funds"
    )  # fmt: skip


def test_queries_use_enums_small_pages_and_words_that_hit(model: ApiModel) -> None:
    words = search_words(model)
    assert "Website" in words
    endpoint = model.endpoint("listProjects")
    assert vary_query(model, endpoint, 0, words) == ()
    queries = [dict(vary_query(model, endpoint, v, words)) for v in range(1, 40)]
    assert any("status" in q for q in queries)
    assert any(q.get("q") in words for q in queries)
    assert all(1 <= int(q.get("limit", 1)) <= 3 for q in queries)
    assert vary_query(model, model.endpoint("getProject"), 3, words) == ()


def test_negative_variants_are_each_filter_value_and_search_word_alone(model: ApiModel) -> None:
    words = search_words(model)
    endpoint = model.endpoint("listProjects")
    focused = focused_queries(model, endpoint, words)
    assert (("status", "archived"),) in focused
    assert all((("q", word),) in focused for word in words)
    assert focused[-2:] == ((("page", "1"), ("limit", "1")), (("page", "2"), ("limit", "2")))
    queries = [vary_query(model, endpoint, -1 - i, words) for i in range(len(focused))]
    assert tuple(queries) == focused
    assert (("status", "active"),) in focused_queries(model, model.endpoint("listSessions"), ())


def test_a_clearing_update_drops_nulls_or_narrows_what_the_create_set(model: ApiModel) -> None:
    cleared = {
        op: clearing_body(model, model.endpoint(op))
        for op in ("replaceProject", "updateProject", "updateTask", "updateSession")
    }
    assert cleared == {
        "replaceProject": {"name": "Website relaunch"},
        "updateProject": {"description": None},
        "updateTask": {"dueDate": None},
        "updateSession": {"metadata": {"client": "web"}},
    }
    assert vary_body(model, model.endpoint("updateTask"), CLEAR) == (True, {"dueDate": None})
