"""The console in a real headless Chromium, on a real uvicorn mock on loopback.

Each test drives the page as a person would (tabs, forms, buttons) and checks the mock
itself through its HTTP API: what the page shows came from the mock, and what the page
changed, the API answers. ``UPDATE_SCREENSHOTS=1`` refreshes the README's screenshots.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from mockserver import create_app
from mockserver.console import feed
from tests.conftest import SPEC, RunningServer
from tests.console.browser import Browser, browser
from tests.events.test_webhooks import FAST, Receiver
from tests.events.test_webhooks import Mock as WebhookUser
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow

API = "/api/v1"
PASSWORD = "passw0rd-long"
MakeBrowser = Callable[[str], Browser]


@pytest.fixture
def make_browser(tmp_path: Path) -> Iterator[MakeBrowser]:
    """Factory: a headless Chromium on a mock's URL; each quit before the servers stop."""
    opened: list[Any] = []

    def start(base_url: str) -> Browser:
        manager = browser(base_url, tmp_path / f"profile-{len(opened)}")
        session = manager.__enter__()
        opened.append(manager)
        return session

    yield start
    for manager in reversed(opened):
        manager.__exit__(None, None, None)


@pytest.fixture
def server(make_server: Callable[..., RunningServer]) -> RunningServer:
    return make_server(create_app(SPEC, seed=1))


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as client:
        yield client


def login(api: httpx.Client, email: str = "ada@example.com") -> dict[str, str]:
    """Register and log in ``email``; the bearer header of its access token."""
    body = {"email": email, "password": PASSWORD, "name": "Ada", "acceptTerms": True}
    api.post(f"{API}/auth/register", json=body)
    tokens = api.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['tokens']['accessToken']}"}


def test_console_loads_each_view_with_no_console_errors(
    server: RunningServer, api: httpx.Client, make_browser: MakeBrowser
) -> None:
    auth = login(api)
    project = api.post(f"{API}/projects", json={"name": "Website"}, headers=auth).json()
    api.post(f"{API}/projects/{project['id']}/tasks", json={"title": 7}, headers=auth)
    page = make_browser(server.url)
    page.open_console()
    assert page.find("#title").text == "Platform API"
    assert len(page.find_all("details.operation")) == 38
    page.find("details.operation summary").click()  # getHealth, opened as a reader would
    page.screenshot("operations")
    for view in ("journal", "state", "scenarios"):
        page.click(f"#tab-{view}")
        panel = page.find(f"#view-{view}")
        page.wait(panel.is_displayed)
        if view == "journal":
            page.wait(lambda: len(page.find_all("li.entry")) >= 4)
            page.find("li.entry.kind-request summary").click()
        if view == "state":  # its screenshot, with logins, is taken by the revoke test
            page.wait(lambda: page.find_all(f'tr[data-id="{project["id"]}"]'))
        if view == "scenarios":
            page.wait(lambda: len(page.find_all("#forced tbody tr")) == 38)
        if view != "state":
            page.screenshot(view)
    assert page.console_errors() == []


def test_console_of_a_stateless_mock_shows_every_view_with_no_console_errors(
    make_server: Callable[..., RunningServer], make_browser: MakeBrowser
) -> None:
    server = make_server(create_app(SPEC, seed=1, stateful=False))
    page = make_browser(server.url)
    page.open_console()
    for view in ("journal", "state", "scenarios", "operations"):
        page.click(f"#tab-{view}")
        panel = page.find(f"#view-{view}")
        page.wait(panel.is_displayed)
    assert "--stateless" in (page.find("#collections").get_attribute("textContent") or "")
    page.find("#tab-operations").send_keys(Keys.ARROW_RIGHT)  # tabs follow the arrow keys
    page.wait(page.find("#view-journal").is_displayed)
    assert page.driver.switch_to.active_element == page.find("#tab-journal")
    assert page.console_errors() == []


def test_console_journal_shows_a_request_live_with_its_validation_problems(
    server: RunningServer, api: httpx.Client, make_browser: MakeBrowser
) -> None:
    auth = login(api)
    page = make_browser(server.url)
    page.open_console("journal")
    page.wait(lambda: page.find("#live").text == "live")
    before = len(page.find_all("li.entry"))
    bad = api.post(f"{API}/projects", json={"name": 42, "extra": True}, headers=auth)
    assert bad.status_code == 400
    page.wait(lambda: len(page.find_all("li.entry")) > before)
    newest = page.find("li.entry")
    assert "/api/v1/projects" in newest.text
    assert "400" in newest.text
    newest.find_element("css selector", "summary").click()
    problems = page.wait(lambda: newest.find_element("css selector", "table.violations"))
    assert "body.name" in problems.text
    assert "the request breaks the spec" in newest.find_element("css selector", ".why").text
    assert '"name": 42' in newest.text  # the request body as sent
    assert page.console_errors() == []


def test_console_journal_loses_nothing_when_its_stream_reconnects(
    server: RunningServer,
    api: httpx.Client,
    make_browser: MakeBrowser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feed, "MAX_STREAM_SECONDS", 0.3)  # a reconnect every 0.3 s
    page = make_browser(server.url)
    page.open_console("journal")
    for number in range(5):
        assert api.get(f"{API}/health", params={"n": str(number)}).status_code == 200
        wanted = f"n={number}"
        page.wait(lambda: wanted in page.find("li.entry").text)  # noqa: B023 (waited for here)
    assert len(page.find_all("li.entry")) == 5  # each once, none twice after a reconnect
    assert page.console_errors() == []


def test_console_journal_filters_by_operation_status_and_text(
    server: RunningServer, api: httpx.Client, make_browser: MakeBrowser
) -> None:
    auth = login(api)
    api.get(f"{API}/health")
    api.post(f"{API}/projects", json={"name": 1}, headers=auth)
    page = make_browser(server.url)
    page.open_console("journal")
    page.wait(lambda: len(page.find_all("li.entry")) == 4)

    def shown() -> list[str]:
        return [e.text for e in page.find_all("li.entry") if e.is_displayed()]

    page.find("body").send_keys("/")  # the keyboard way to the search box
    assert page.driver.switch_to.active_element == page.find("#journal-text")
    Select(page.find("#journal-op")).select_by_value("getHealth")
    assert page.wait(lambda: len(shown()) == 1)
    assert "/api/v1/health" in shown()[0]
    Select(page.find("#journal-op")).select_by_value("")
    page.find("#journal-status").send_keys("4xx")
    assert page.wait(lambda: len(shown()) == 1)
    assert "createProject" in shown()[0]
    page.find("#journal-status").clear()
    page.find("#journal-text").send_keys("auth/login")
    assert page.wait(lambda: len(shown()) == 1)
    assert "loginUser" in shown()[0]


def test_console_state_edit_changes_what_the_api_answers(
    server: RunningServer, api: httpx.Client, make_browser: MakeBrowser
) -> None:
    auth = login(api)
    project = api.post(f"{API}/projects", json={"name": "Before"}, headers=auth).json()
    page = make_browser(server.url)
    page.open_console("state")
    row = page.wait(lambda: page.find(f'tr[data-id="{project["id"]}"]'))
    editor = row.find_element("css selector", "textarea")
    edited = (editor.get_attribute("value") or "").replace('"Before"', '"Edited in the console"')
    editor.clear()
    editor.send_keys(edited)
    row.find_element("css selector", "button").click()  # Save
    page.wait(lambda: page.find("#message").text.startswith("saved"))
    answered = api.get(f"{API}/projects/{project['id']}", headers=auth).json()
    assert answered["name"] == "Edited in the console"
    # Delete, and the API no longer has it.
    page.find(f'tr[data-id="{project["id"]}"] button.danger').click()
    page.wait(lambda: not page.find_all(f'tr[data-id="{project["id"]}"]'))
    assert api.get(f"{API}/projects/{project['id']}", headers=auth).status_code == 404


def test_console_revoking_a_users_logins_refuses_its_tokens(
    server: RunningServer, api: httpx.Client, make_browser: MakeBrowser
) -> None:
    auth = login(api)
    assert api.get(f"{API}/auth/me", headers=auth).status_code == 200
    page = make_browser(server.url)
    page.open_console("state")
    page.wait(lambda: page.find("#users tbody tr button.revoke-all")).click()
    page.wait(lambda: "revoked" in page.find("#message").text)
    assert api.get(f"{API}/auth/me", headers=auth).status_code == 401


def test_console_forced_status_takes_effect_and_clears(
    server: RunningServer, api: httpx.Client, make_browser: MakeBrowser
) -> None:
    auth = login(api)
    project = api.post(f"{API}/projects", json={"name": "Kept"}, headers=auth).json()
    page = make_browser(server.url)
    page.open_console("scenarios")
    row = page.wait(lambda: page.find('tr[data-operation="getProject"]'))
    Select(row.find_element("css selector", ".forced-status")).select_by_value("404")
    page.click('#scenarios button[type="submit"]')
    page.wait(lambda: page.find("#scenarios-result").text == "Applied.")
    assert api.get(f"{API}/projects/{project['id']}", headers=auth).status_code == 404
    assert api.get("/__mock/scenarios").json()["operations"]["getProject"]["status"] == 404
    page.click("#scenarios-reset")
    page.wait(lambda: page.find("#scenarios-result").text.startswith("Back"))
    assert api.get(f"{API}/projects/{project['id']}", headers=auth).status_code == 200


def test_console_try_it_sends_the_request_as_the_chosen_user(
    server: RunningServer, api: httpx.Client, make_browser: MakeBrowser
) -> None:
    login(api)
    page = make_browser(server.url)
    page.open_console()
    block = next(
        b for b in page.find_all("details.operation") if "/auth/me" in b.text.splitlines()[0]
    )
    block.find_element("css selector", "summary").click()
    form = block.find_element("css selector", "form.try")
    Select(form.find_element("css selector", "select")).select_by_visible_text("ada@example.com")
    form.find_element("css selector", 'button[type="submit"]').click()
    result = page.wait(lambda: form.find_element("css selector", ".result").text)
    assert result.startswith("200")
    assert "ada@example.com" in result


def test_console_live_journal_shows_another_workers_exchanges(
    shared_redis: RedisServer,
    make_server: Callable[..., RunningServer],
    make_browser: MakeBrowser,
) -> None:
    url = shared_redis.url()
    first = make_server(create_app(SPEC, seed=1, state_url=url))
    second = make_server(create_app(SPEC, seed=1, state_url=url))
    page = make_browser(first.url)
    page.open_console("journal")
    page.wait(lambda: page.find("#live").text == "live")
    with httpx.Client(base_url=second.url) as other:
        assert other.get(f"{API}/health", params={"from": "second"}).status_code == 200
    entry = page.wait(lambda: page.find("li.entry"))
    assert "from=second" in entry.text


def test_console_imports_a_state_file_and_resets_everything(
    server: RunningServer, api: httpx.Client, make_browser: MakeBrowser, tmp_path: Path
) -> None:
    auth = login(api)
    project = api.post(f"{API}/projects", json={"name": "Exported"}, headers=auth).json()
    exported = api.get("/__mock/state").json()
    api.delete(f"{API}/projects/{project['id']}", headers=auth)
    saved = tmp_path / "state.json"
    saved.write_text(json.dumps(exported))
    page = make_browser(server.url)
    page.open_console("state")
    page.find("#state-import").send_keys(str(saved))
    page.wait(lambda: page.find_all(f'tr[data-id="{project["id"]}"]'))
    assert api.get(f"{API}/projects/{project['id']}", headers=auth).json()["name"] == "Exported"
    page.click("#state-reset")
    page.driver.switch_to.alert.accept()  # "Forget every record, user and login?"
    page.wait(lambda: "No records yet." in page.find("#collections").text)
    assert api.get("/__mock/state").json() == {"collections": {}}
    assert page.console_errors() == []


def test_console_timeline_shows_webhook_deliveries_and_websocket_events(
    make_server: Callable[..., RunningServer], make_browser: MakeBrowser
) -> None:
    receiver = Receiver()
    receiver.url = make_server(receiver.app()).url
    server = make_server(create_app(SPEC, seed=3, webhooks=FAST))
    user = WebhookUser(server.url)
    page = make_browser(server.url)
    page.open_console("journal")
    page.wait(lambda: page.find("#live").text == "live")
    user.endpoint(f"{receiver.url}/hooks/paid", ["payment.succeeded"])
    assert user.pay().status_code == 201
    receiver.wait_for(1, "/hooks/paid")
    hook = page.wait(lambda: page.find("li.entry.kind-webhook"))
    assert "/hooks/paid" in hook.text
    assert "paymentSucceededWebhook" in hook.text
    session = user.http.post("/sessions", json={"name": "Tab"}).json()
    user.http.patch(f"/sessions/{session['id']}", json={"status": "idle"})
    event = page.wait(lambda: page.find("li.entry.kind-websocket"))
    assert f"/api/v1/sessions/{session['id']}/events" in event.text
    event.find_element("css selector", "summary").click()
    assert "session.updated" in page.wait(lambda: event.find_element("css selector", "pre").text)
    user.http.close()


def test_console_revokes_one_login_and_leaves_the_other_working(
    server: RunningServer, api: httpx.Client, make_browser: MakeBrowser
) -> None:
    laptop = login(api)
    body = {"email": "ada@example.com", "password": PASSWORD}
    phone_login = api.post(f"{API}/auth/login", json=body, headers={"User-Agent": "PhoneApp/2.1"})
    phone = {"Authorization": f"Bearer {phone_login.json()['tokens']['accessToken']}"}
    for auth in (laptop, phone):
        assert api.get(f"{API}/auth/me", headers=auth).status_code == 200
    page = make_browser(server.url)
    page.open_console("state")
    row = page.wait(lambda: page.find("#users tbody tr"))
    page.wait(lambda: len(row.find_elements("css selector", "button.revoke-login")) == 2)
    page.screenshot("state")
    item = next(
        li for li in row.find_elements("css selector", "ul.logins li") if "PhoneApp/2.1" in li.text
    )
    button = item.find_element("css selector", "button.revoke-login")
    assert "PhoneApp/2.1" in (button.get_attribute("aria-label") or "")
    button.click()
    page.wait(lambda: "revoked" in page.find("#message").text)
    assert api.get(f"{API}/auth/me", headers=phone).status_code == 401
    assert api.get(f"{API}/auth/me", headers=laptop).status_code == 200
    refreshed = page.wait(lambda: page.find("#users ul.logins li.revoked"))
    assert "PhoneApp/2.1" in refreshed.text
    assert "revoked (admin)" in refreshed.text
    assert len(page.find_all("#users button.revoke-login")) == 1
    assert page.console_errors() == []


def test_console_revokes_a_login_that_another_worker_then_refuses(
    shared_redis: RedisServer,
    make_server: Callable[..., RunningServer],
    make_browser: MakeBrowser,
) -> None:
    url = shared_redis.url()
    first = make_server(create_app(SPEC, seed=1, state_url=url))
    second = make_server(create_app(SPEC, seed=1, state_url=url))
    with httpx.Client(base_url=second.url) as api:
        kept, revoked = login(api), login(api)
        page = make_browser(first.url)
        page.open_console("state")
        buttons = page.wait(lambda: page.find_all("#users button.revoke-login"))
        assert len(buttons) == 2
        buttons[0].click()  # the newest login first: ``revoked``
        page.wait(lambda: len(page.find_all("#users button.revoke-login")) == 1)
        assert api.get(f"{API}/auth/me", headers=revoked).status_code == 401
        assert api.get(f"{API}/auth/me", headers=kept).status_code == 200


# A spec whose one operation takes a header, four body media types, and answers two statuses.
MESSAGE = {
    "type": "object",
    "required": ["text", "count"],
    "properties": {"text": {"type": "string", "minLength": 1}, "count": {"type": "integer"}},
    "additionalProperties": False,
}
FORMS = {
    "openapi": "3.1.0",
    "info": {"title": "Forms", "version": "1"},
    "paths": {
        "/messages": {
            "post": {
                "operationId": "sendMessage",
                "tags": ["messages"],
                "parameters": [
                    {"name": "X-Trace-Id", "in": "header", "required": True,
                     "schema": {"type": "string", "pattern": "^t-[0-9]+$"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": MESSAGE,
                            "examples": {"hello": {"value": {"text": "hi", "count": 1}}},
                        },
                        "application/x-www-form-urlencoded": {"schema": MESSAGE},
                        "multipart/form-data": {"schema": MESSAGE},
                        "text/plain": {"schema": {"type": "string", "minLength": 1}},
                    },
                },
                "responses": {
                    "201": {"description": "Sent", "content": {"application/json": {
                        "schema": {"type": "object"}, "examples": {"sent": {"value": {"id": "m1"}}},
                    }}},
                    "429": {"description": "Slow down", "content": {"application/json": {
                        "schema": {"type": "object"},
                        "examples": {"tooMany": {"value": {"retryIn": 5}}},
                    }}},
                },
            }
        }
    },
}  # fmt: skip


def try_form(page: Browser, operation_id: str) -> Any:
    """The try-it form of ``operation_id``, its operation opened."""
    blocks = page.find_all("details.operation")
    block = next(
        b for b in blocks if operation_id.lower() in (b.get_attribute("data-search") or "")
    )
    block.find_element("css selector", "summary").click()
    return block.find_element("css selector", "form.try")


def labelled_field(form: Any, label: str) -> Any:
    """The control of ``form`` whose label starts with ``label``."""
    for element in form.find_elements("css selector", "label"):
        if element.text.startswith(label) and element.is_displayed():
            return form.find_element("id", element.get_attribute("for"))
    raise AssertionError(f"no visible label starting {label!r}")


def unlabelled(page: Browser, form: Any) -> int:
    script = "return [...arguments[0].querySelectorAll('input, select, textarea')]" \
        ".filter((c) => !c.labels.length).length"  # fmt: skip
    count: int = page.driver.execute_script(script, form)
    return count


def send(page: Browser, form: Any) -> str:
    """Submit ``form`` and wait for its result."""
    result = form.find_element("css selector", ".result")
    page.driver.execute_script("arguments[0].textContent = ''", result)
    form.find_element("css selector", 'button[type="submit"]').click()
    text: str = page.wait(lambda: result.text)
    return text


def errors_besides_answers(page: Browser, path: str) -> list[dict[str, Any]]:
    """The console's errors, but for the 4xx the API under ``path`` was asked to answer."""
    return [
        error
        for error in page.console_errors()
        if not (error["source"] == "network" and f"{path} - Failed to load" in error["message"])
    ]


def last_exchange(api: httpx.Client) -> dict[str, Any]:
    entry: dict[str, Any] = api.get("/__mock/journal").json()["entries"][-1]
    return entry


def test_console_try_it_sends_a_header_parameter_and_a_prefer_status(
    make_server: Callable[..., RunningServer], make_browser: MakeBrowser
) -> None:
    server = make_server(create_app(FORMS, seed=1, stateful=False))
    page = make_browser(server.url)
    page.open_console()
    form = try_form(page, "sendMessage")
    assert unlabelled(page, form) == 0
    assert send(page, form).startswith("400")  # the required header is missing
    labelled_field(form, "X-Trace-Id (header, required)").send_keys("t-42")
    assert send(page, form).startswith("201")
    Select(labelled_field(form, "Status (Prefer code=)")).select_by_value("429")
    answer = send(page, form)
    assert answer.startswith("429")
    assert '"retryIn": 5' in answer
    with httpx.Client(base_url=server.url) as api:
        exchange = last_exchange(api)
    headers = {k.lower(): v for k, v in exchange["request"]["headers"].items()}
    assert (headers["x-trace-id"], headers["prefer"]) == ("t-42", "code=429")
    assert exchange["violations"] == []
    assert errors_besides_answers(page, "/messages") == []


@pytest.mark.parametrize(
    ("media_type", "sent_as", "body"),
    [
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded",
         "text=hello+there&count=3"),
        ("multipart/form-data", "multipart/form-data; boundary=", 'name="text"'),
        ("text/plain", "text/plain", "hello there"),
    ],
)  # fmt: skip
def test_console_try_it_sends_a_body_of_the_chosen_media_type(
    make_server: Callable[..., RunningServer],
    make_browser: MakeBrowser,
    media_type: str,
    sent_as: str,
    body: str,
) -> None:
    server = make_server(create_app(FORMS, seed=1, stateful=False))
    page = make_browser(server.url)
    page.open_console()
    form = try_form(page, "sendMessage")
    labelled_field(form, "X-Trace-Id").send_keys("t-7")
    Select(labelled_field(form, "Body media type")).select_by_value(media_type)
    if media_type == "text/plain":
        labelled_field(form, "Body text (text/plain)").send_keys("hello there")
    else:
        kind = "form" if "urlencoded" in media_type else "multipart"
        labelled_field(form, f"text ({kind} field, required)").send_keys("hello there")
        labelled_field(form, f"count ({kind} field, required)").send_keys("3")
    assert unlabelled(page, form) == 0
    if media_type == "multipart/form-data":
        page.screenshot("try-it")
    assert send(page, form).startswith("201")
    with httpx.Client(base_url=server.url) as api:
        exchange = last_exchange(api)
    headers = {k.lower(): v for k, v in exchange["request"]["headers"].items()}
    assert headers["content-type"].startswith(sent_as)
    assert body in exchange["request"]["body"]
    assert exchange["violations"] == []
    assert page.console_errors() == []
