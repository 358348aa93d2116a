"""Path templates to operations: literals win, encoded slashes stay in parameters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.compile.routing import RECENT_PATHS, RouteClash, Router


def make_router(*templates: str, base: str = "") -> Router[str]:
    router: Router[str] = Router(base)
    for template in templates:
        router.add(template, "GET", template)
    return router


@pytest.mark.parametrize(
    ("path", "template", "params"),
    [
        ("/projects", "/projects", {}),
        ("/projects/mine", "/projects/mine", {}),
        ("/projects/42", "/projects/{projectId}", {"projectId": "42"}),
        (
            "/projects/42/tasks/7",
            "/projects/{projectId}/tasks/{taskId}",
            {"projectId": "42", "taskId": "7"},
        ),
        ("/files/report.json", "/files/{name}.json", {"name": "report"}),
        ("/files/report.txt", "/files/{file}", {"file": "report.txt"}),
        ("/projects/a%2Fb", "/projects/{projectId}", {"projectId": "a/b"}),
        ("/projects/%E2%9C%93", "/projects/{projectId}", {"projectId": "\u2713"}),
        ("/", "/", {}),
    ],
)
def test_router_matches_template_and_decodes_params(
    path: str, template: str, params: dict[str, str]
) -> None:
    router = make_router(
        "/",
        "/projects",
        "/projects/{projectId}",
        "/projects/mine",
        "/projects/{projectId}/tasks/{taskId}",
        "/files/{name}.json",
        "/files/{file}",
    )
    match = router.match(path)
    assert match is not None
    assert (match.template, match.params) == (template, params)


def test_router_prefers_literal_even_when_registered_after_template() -> None:
    router = make_router("/users/{id}", "/users/me")
    match = router.match("/users/me")
    assert match is not None
    assert match.template == "/users/me"


def test_router_backtracks_from_literal_to_template() -> None:
    router = make_router("/a/literal/x", "/a/{p}/y")
    match = router.match("/a/literal/y")
    assert match is not None
    assert match.params == {"p": "literal"}


@pytest.mark.parametrize("path", ["/nope", "/projects/1/2/3", "/projects//tasks", "/api/v2/x"])
def test_router_returns_none_for_unknown_paths(path: str) -> None:
    assert make_router("/projects/{id}/tasks", "/projects/{id}").match(path) is None


def test_router_honours_the_base_path() -> None:
    router = make_router("/projects", base="/api/v1")
    assert router.match("/projects") is None
    assert router.match("/api/v1x/projects") is None
    match = router.match("/api/v1/projects")
    assert match is not None
    assert match.template == "/projects"


def test_router_lists_every_template() -> None:
    templates = {"/a", "/a/{b}", "/c/{d}/e"}
    assert set(make_router(*templates).templates()) == templates


@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30))
def test_router_round_trips_any_percent_encoded_parameter(value: str) -> None:
    from urllib.parse import quote

    match = make_router("/items/{id}").match("/items/" + quote(value, safe=""))
    assert match is not None
    assert match.params == {"id": value}


def test_router_names_parameters_as_each_methods_template_does() -> None:
    router: Router[str] = Router()
    router.add("/orgs/{org}/attestations/{subject_digest}", "GET", "list")
    router.add("/orgs/{org}/attestations/{attestation_id}", "DELETE", "delete")
    match = router.match("/orgs/acme/attestations/sha256%3Aab")
    assert match is not None
    assert match.methods == {"GET": "list", "DELETE": "delete"}
    assert match.params_for("GET") == {"org": "acme", "subject_digest": "sha256:ab"}
    assert match.params_for("DELETE") == {"org": "acme", "attestation_id": "sha256:ab"}
    assert match.template_for("DELETE") == "/orgs/{org}/attestations/{attestation_id}"


def test_router_refuses_the_same_method_on_two_templates_of_one_shape() -> None:
    router: Router[str] = Router()
    router.add("/items/{id}", "GET", "first")
    with pytest.raises(RouteClash) as caught:
        router.add("/items/{name}", "get", "second")
    assert "GET /items/{name} matches the same requests as GET /items/{id}" in str(caught.value)
    match = router.match("/items/7")
    assert match is not None
    assert (match.methods["GET"], match.params) == ("first", {"id": "7"})


def test_a_segment_with_more_literal_text_wins_whatever_its_parameter_count() -> None:
    # nrel.gov: GET /v1/pocs.json was routed to /v1/{id}.{output_format} and refused.
    router: Router[str] = Router()
    router.add("/v1/{id}.{output_format}", "GET", "one")
    router.add("/v1/pocs.{output_format}", "GET", "pocs")
    pocs = router.match("/v1/pocs.json")
    assert pocs is not None
    assert pocs.methods["GET"] == "pocs"
    assert pocs.params == {"output_format": "json"}
    one = router.match("/v1/12.xml")
    assert one is not None
    assert one.params == {"id": "12", "output_format": "xml"}


@pytest.mark.parametrize("template", ["/fs#op=LIST", "/fs?op=LIST"])
def test_router_routes_a_template_by_the_path_before_its_fragment_or_query(template: str) -> None:
    router: Router[str] = Router()
    router.add(template, "get", "listing")
    match = router.match("/fs")
    assert match is not None
    assert match.methods["GET"] == "listing"
    with pytest.raises(RouteClash, match="#fragment or \\?query never reaches the server"):
        router.add("/fs", "get", "plain")


def test_a_remembered_path_sees_a_template_added_after_it_was_matched() -> None:
    router: Router[str] = Router()
    router.add("/items/{id}", "GET", "item")
    first = router.match("/items/new")
    assert first is not None
    assert first.template == "/items/{id}"
    assert router.match("/items/new") is first  # remembered
    router.add("/items/new", "GET", "literal")
    again = router.match("/items/new")
    assert again is not None
    assert again.template == "/items/new"
    assert router.match("/nothing") is None
    router.add("/nothing", "GET", "now something")
    assert router.match("/nothing") is not None


def test_remembered_paths_stay_bounded_whatever_a_client_sends() -> None:
    router: Router[str] = Router()
    router.add("/items/{id}", "GET", "item")
    for i in range(RECENT_PATHS * 2 + 7):
        found = router.match(f"/items/{i}")
        assert found is not None
        assert found.values == (str(i),)
    assert len(router._recent) <= RECENT_PATHS
