"""The console's admin endpoints, in-process: page, operations, stream, records, users,
scenarios; and the journal's account of why each answer was chosen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from mockserver.console.page import CONTENT_SECURITY_POLICY
from mockserver.server import scenarios as scenarios_module
from tests.inprocess import PASSWORD, InProcess, User
from tests.redis_server import RedisServer

MakeMock = Callable[..., InProcess]
ELSEWHERE = ("203.0.113.9", 40000)


def last_entry(mock: InProcess) -> dict[str, Any]:
    entries: list[dict[str, Any]] = mock.admin("GET", "/journal").json()["entries"]
    return entries[-1]


def why(mock: InProcess) -> str:
    reason: str = last_entry(mock)["request"]["why"]
    return reason


# -- the page -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/ui", "text/html"),
        ("/ui/console.js", "text/javascript"),
        ("/ui/console.css", "text/css"),
    ],
)
def test_console_page_and_assets_are_served(mock: InProcess, path: str, media_type: str) -> None:
    response = mock.admin("GET", path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_console_refuses_an_unknown_asset_with_a_problem(mock: InProcess) -> None:
    response = mock.admin("GET", "/ui/app.js")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "app.js is not one of index.html" in response.json()["detail"]


def test_console_is_loopback_only_like_the_rest_of_the_admin_api(make_mock: MakeMock) -> None:
    remote = make_mock(client=ELSEWHERE)
    assert remote.admin("GET", "/ui").status_code == 403
    assert remote.admin("GET", "/scenarios").status_code == 403


def test_console_from_elsewhere_trades_the_admin_token_for_a_cookie(make_mock: MakeMock) -> None:
    outside = make_mock(admin_token="s3cret", client=ELSEWHERE)
    refused = outside.admin("GET", "/ui")
    assert refused.status_code == 401
    assert "/__mock/ui?admin_token=<token>" in refused.json()["detail"]
    wrong = outside.admin("GET", "/ui", params={"admin_token": "guess"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "admin_token_required")
    assert "mockserver_admin_token" not in outside.http.cookies
    traded = outside.admin("GET", "/ui", params={"admin_token": "s3cret"})
    assert (traded.status_code, traded.headers["location"]) == (303, "/__mock/ui")
    cookie = traded.headers["set-cookie"]
    assert all(part in cookie for part in ("HttpOnly", "SameSite=strict", "Path=/__mock"))
    # The client keeps the cookie: the page, its calls and its stream get in with it.
    assert outside.admin("GET", "/ui").status_code == 200
    assert outside.admin("GET", "/scenarios").status_code == 200
    outside.http.cookies.clear()
    assert outside.admin("GET", "/scenarios").status_code == 401


def test_admin_token_query_parameter_opens_nothing_but_the_console(make_mock: MakeMock) -> None:
    outside = make_mock(admin_token="s3cret", client=ELSEWHERE)
    answer = outside.admin("GET", "/state", params={"admin_token": "s3cret"})
    assert answer.status_code == 401


def test_operations_describe_the_served_spec(mock: InProcess) -> None:
    first = mock.admin("GET", "/operations").json()
    assert first["basePath"] == "/api/v1"
    assert len(first["operations"]) == 38
    assert mock.admin("GET", "/operations").json() == first  # described once, then kept


# -- the live journal -----------------------------------------------------------------------------


def test_journal_stream_sends_entries_as_server_sent_events(mock: InProcess) -> None:
    mock.request("GET", "/health")
    mock.request("GET", "/health", params={"n": "2"})
    response = mock.admin("GET", "/journal/stream", params={"since": "1", "limit": "1"})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e.startswith("id: ")]
    assert len(events) == 1
    entry = orjson.loads(events[0].split("data: ", 1)[1])
    assert (entry["id"], entry["query"]) == (2, "n=2")


def test_journal_stream_resumes_after_the_last_event_id(mock: InProcess) -> None:
    for _ in range(3):
        mock.request("GET", "/health")
    response = mock.admin(
        "GET", "/journal/stream", params={"limit": "1"}, headers={"Last-Event-ID": "2"}
    )
    assert "id: 3\n" in response.text


def test_journal_stream_refuses_a_bad_limit(mock: InProcess) -> None:
    response = mock.admin("GET", "/journal/stream", params={"limit": "lots"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"


# -- records --------------------------------------------------------------------------------------


def records_url(collection: str, record_id: str | None = None) -> str:
    query = f"?collection={collection}" + (f"&id={record_id}" if record_id else "")
    return "/records" + query


def test_records_list_fields_and_owner_without_bookkeeping(mock: InProcess, ada: User) -> None:
    project = ada.post("/projects", json={"name": "Site"}).json()
    listed = mock.admin("GET", records_url("/projects")).json()
    assert listed["collection"] == "/projects"
    [record] = listed["records"]
    assert (record["id"], record["owner"]) == (project["id"], ada.id)
    assert record["fields"]["name"] == "Site"
    assert not any(key.startswith("__") for key in record["fields"])


def test_record_edited_is_what_the_api_answers(mock: InProcess, ada: User) -> None:
    project = ada.post("/projects", json={"name": "Before"}).json()
    edited = {**project, "name": "After"}
    response = mock.admin("PUT", records_url("/projects", project["id"]), json=edited)
    assert response.status_code == 200
    assert response.json()["owner"] == ada.id  # the owner is kept
    assert ada.get(f"/projects/{project['id']}").json() == edited


def test_record_added_is_created_and_deleted_is_gone(mock: InProcess, ada: User) -> None:
    project = ada.post("/projects", json={"name": "Kept"}).json()
    copy = {**project, "id": "5f1d7d2e-0000-4000-8000-000000000001", "name": "Copy"}
    added = mock.admin("PUT", records_url("/projects", copy["id"]), json=copy)
    assert added.status_code == 201
    assert added.json()["owner"] is None  # everyone's
    assert ada.get(f"/projects/{copy['id']}").json()["name"] == "Copy"
    assert mock.admin("DELETE", records_url("/projects", project["id"])).status_code == 204
    assert ada.get(f"/projects/{project['id']}").status_code == 404
    missing = mock.admin("DELETE", records_url("/projects", project["id"]))
    assert (missing.status_code, missing.json()["code"]) == (404, "no_such_record")


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "code"),
    [
        ("GET", records_url("/nowhere"), None, 404, "no_such_collection"),
        ("GET", "/records", None, 404, "no_such_collection"),
        ("PUT", records_url("/projects"), b"{}", 400, "record_id_required"),
        ("PUT", records_url("/projects", "x"), b"{", 400, "malformed_body"),
        ("PUT", records_url("/projects", "x"), b"[1]", 400, "invalid_record"),
        ("PUT", records_url("/projects", "x"), b'{"id": "y"}', 400, "invalid_record"),
    ],
)
def test_records_refuse_what_they_cannot_do_with_a_problem(
    mock: InProcess, method: str, url: str, body: bytes | None, status: int, code: str
) -> None:
    response = mock.admin(method, url, content=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_user_record_edited_to_a_blocked_status_loses_its_logins(
    mock: InProcess, ada: User
) -> None:
    [user] = mock.admin("GET", "/users").json()["users"]
    fields = {**user["fields"], "status": "suspended"}
    response = mock.admin("PUT", records_url("__users__", ada.id), json=fields)
    assert response.status_code == 200
    assert ada.get("/auth/me", check=False).status_code == 401


# -- users ----------------------------------------------------------------------------------------


def test_users_are_listed_without_their_secrets(mock: InProcess, ada: User) -> None:
    [user] = mock.admin("GET", "/users").json()["users"]
    assert (user["id"], user["fields"]["email"], user["generation"]) == (
        ada.id,
        "ada@example.com",
        0,
    )
    assert "password" not in user["fields"]
    assert not any(key.startswith("__") for key in user["fields"])


def test_user_token_is_accepted_by_the_api(mock: InProcess, ada: User) -> None:
    token = mock.admin("POST", f"/users/{ada.id}/token").json()
    assert token["tokenType"] == "Bearer"
    me = mock.request("GET", "/auth/me", token=token["accessToken"])
    assert me.json()["id"] == ada.id


def test_user_revoked_loses_every_login(mock: InProcess, ada: User) -> None:
    assert mock.admin("POST", f"/users/{ada.id}/revoke").status_code == 204
    assert ada.get("/auth/me", check=False).status_code == 401
    refresh = {"refreshToken": ada.refresh_token}
    assert mock.request("POST", "/auth/refresh", json=refresh).status_code == 401
    [user] = mock.admin("GET", "/users").json()["users"]
    assert user["generation"] == 1


@pytest.mark.parametrize(
    ("path", "code"),
    [("/users/nobody/token", "no_such_user"), ("/users/{id}/promote", "no_such_action")],
)
def test_user_actions_refuse_an_unknown_user_or_action(
    mock: InProcess, ada: User, path: str, code: str
) -> None:
    response = mock.admin("POST", path.format(id=ada.id))
    assert (response.status_code, response.json()["code"]) == (404, code)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users"),
        ("POST", "/users/x/token"),
        ("GET", "/records?collection=/projects"),
    ],
)
def test_state_endpoints_of_a_stateless_mock_answer_409(
    make_mock: MakeMock, method: str, path: str
) -> None:
    stateless = make_mock(stateful=False)
    response = stateless.admin(method, path)
    assert (response.status_code, response.json()["code"]) == (409, "stateless")


# -- scenarios ------------------------------------------------------------------------------------


def test_scenario_forces_a_status_until_cleared(mock: InProcess, ada: User) -> None:
    project = ada.post("/projects", json={"name": "P"}).json()
    settings = {"operations": {"getProject": {"status": 404}}}
    applied = mock.admin("PUT", "/scenarios", json=settings)
    assert applied.json()["operations"] == {"getProject": {"status": 404, "example": None}}
    assert mock.admin("GET", "/scenarios").json() == applied.json()
    assert ada.get(f"/projects/{project['id']}").status_code == 404
    assert "by a scenario" in why(mock)
    cleared = mock.admin("DELETE", "/scenarios").json()
    assert cleared == {"latency": None, "chaos": 0.0, "operations": {}}
    assert ada.get(f"/projects/{project['id']}").status_code == 200


def test_reset_returns_scenarios_to_the_start_up_settings(make_mock: MakeMock) -> None:
    mock = make_mock(latency=(1.0, 1.0))
    mock.admin("PUT", "/scenarios", json={"chaos": 1, "operations": {"getHealth": {"status": 200}}})
    assert mock.admin("POST", "/reset").status_code == 204
    assert mock.admin("GET", "/scenarios").json() == {
        "latency": [1.0, 1.0],
        "chaos": 0.0,
        "operations": {},
    }
    assert mock.request("GET", "/health").status_code == 200


def test_scenario_forces_an_example(mock: InProcess) -> None:
    settings = {"operations": {"getSession": {"example": "ended"}}}
    assert mock.admin("PUT", "/scenarios", json=settings).status_code == 200
    token = mock.user().token
    answer = mock.request("GET", "/sessions/00000000-0000-4000-8000-000000000000", token=token)
    assert answer.json()["status"] == "ended"
    assert "example 'ended' (asked for) by a scenario" in why(mock)


def test_scenario_chaos_fails_requests(mock: InProcess) -> None:
    mock.admin("PUT", "/scenarios", json={"chaos": 1})
    assert mock.request("GET", "/health", check=False).status_code == 503
    assert last_entry(mock)["fault"] in ("503", "drop")
    assert "injected by chaos" in why(mock)


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"{", "malformed_body"), (b'{"chaos": 3}', "invalid_scenario")],
)
def test_scenarios_refuse_invalid_settings(mock: InProcess, body: bytes, code: str) -> None:
    response = mock.admin("PUT", "/scenarios", content=body)
    assert (response.status_code, response.json()["code"]) == (400, code)


# -- why each answer was chosen -------------------------------------------------------------------


def test_journal_keeps_the_request_and_the_answer(mock: InProcess, ada: User) -> None:
    ada.post("/projects", json={"name": "Kept"})
    exchange = last_entry(mock)["request"]
    assert exchange["why"] == "answered from state: create of /projects"
    assert exchange["headers"]["authorization"] == "[redacted]"  # never the token itself
    assert orjson.loads(exchange["body"]) == {"name": "Kept"}
    assert exchange["response"]["headers"]["content-type"] == "application/json"
    assert orjson.loads(exchange["response"]["body"])["name"] == "Kept"


def test_journal_keeps_every_value_of_a_repeated_header(mock: InProcess) -> None:
    headers = [("X-Trace", "first"), ("X-Trace", "second")]
    mock.run(mock.http.request("GET", mock.prefix + "/health", headers=headers))
    assert last_entry(mock)["request"]["headers"]["x-trace"] == "first, second"


def test_journal_keeps_no_password_and_no_token(mock: InProcess) -> None:
    user = mock.user("kept@example.com")  # registers and logs in with PASSWORD

    journal = mock.admin("GET", "/journal").text

    assert PASSWORD not in journal
    assert user.token not in journal
    assert "kept@example.com" in journal  # what is no secret is kept


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("GET", "/health", {}, "status 200 (the first success declared), example 'ok'"),
        ("GET", "/nowhere", {}, "no operation of the spec matches the path"),
        ("PUT", "/health", {}, "declares no operation for the method"),
        (
            "GET",
            "/health",
            {"Prefer": "code=200, example=ok"},
            "example 'ok' (asked for) by Prefer",
        ),
        ("GET", "/health", {"Prefer": "fault=500"}, "fault 500 injected by Prefer: fault"),
        ("GET", "/health", {"Prefer": "code=abc"}, "the Prefer header cannot be understood"),
        ("GET", "/health", {"Prefer": "code=503"}, "status 503 asked for, which the operation"),
        ("GET", "/projects", {}, "the credentials the operation requires are missing"),
        (
            "GET",
            "/projects",
            {"Authorization": "Bearer forged"},
            "the bearer token was refused: The access token was not issued by this server.",
        ),
        ("POST", "/auth/login", {"Content-Type": "application/json"}, "breaks the spec in"),
        ("GET", "/health", {"Prefer": "dynamic=true"}, "body generated from the schema"),
        ("GET", "/health", {"Accept": "text/csv"}, "no media type fits Accept"),
    ],
)
def test_journal_says_why_each_answer_was_chosen(
    mock: InProcess, method: str, path: str, headers: dict[str, str], expected: str
) -> None:
    content = b"{}" if method == "POST" else None
    mock.request(method, path, headers=headers, content=content, check=False)
    assert expected in why(mock)


def test_journal_says_a_status_without_a_body_was_asked_for(mock: InProcess, ada: User) -> None:
    body = {"refreshToken": ada.refresh_token}
    ada.post("/auth/logout", json=body, headers={"Prefer": "code=204"})
    assert why(mock) == "status 204 (asked for), no body by Prefer"


def test_scenarios_set_on_one_worker_apply_on_another(
    shared_redis: RedisServer, make_mock: MakeMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scenarios_module, "REFRESH_SECONDS", 0.0)  # reread at every request
    url = shared_redis.url()
    first, second = make_mock(state_url=url), make_mock(state_url=url)
    ada = first.user()
    project = ada.post("/projects", json={"name": "Shared"}).json()
    settings = {"operations": {"getProject": {"status": 404}}}
    assert first.admin("PUT", "/scenarios", json=settings).status_code == 200
    assert second.admin("GET", "/scenarios").json()["operations"]["getProject"]["status"] == 404
    read = second.request("GET", f"/projects/{project['id']}", token=ada.token)
    assert read.status_code == 404
    # The record edited through the first worker is what the second answers.
    edited = {**project, "name": "Edited on the first"}
    first.admin("PUT", records_url("/projects", project["id"]), json=edited)
    second.admin("DELETE", "/scenarios")
    read = second.request("GET", f"/projects/{project['id']}", token=ada.token)
    assert read.json()["name"] == "Edited on the first"
    # And the second worker's exchanges are in the journal the first streams.
    since = str(second.admin("GET", "/journal").json()["entries"][-1]["id"] - 1)
    stream = first.admin("GET", "/journal/stream", params={"since": since, "limit": "1"})
    assert f"/projects/{project['id']}" in stream.text
