"""`mockserver.diff.broker` and ``mockserver diff --broker-url``: the latest pacts of a provider
read from a Pact Broker over HTTP, against a real server on loopback that answers as the
broker's HAL API does (its index, ``pb:latest-provider-pacts`` and the pacts, auth checked).

The broker here is ours (a Starlette app), shaped after the Pact Broker's documents: the index
links ``pb:latest-provider-pacts`` (templated ``{provider}``), that resource lists the pacts
under ``_links["pb:pacts"]`` (title, name = the consumer, href), and each pact is the pact JSON
with ``_links`` added.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver.diff.broker import Broker, fetch_broker_pacts
from mockserver.diff.impact import read_pacts
from mockserver.errors import DiffError
from tests.cli.test_main import _exit
from tests.conftest import ROOT, SPEC, RunningServer
from tests.diff.test_self_check import _without_order_status

pytestmark = pytest.mark.slow

PACTS = ROOT / "contracts" / "pacts"
PROVIDER = "platform-api"
TOKEN = "s3cret-token"
USER, PASSWORD = "ci", "pa:ss word"
HAL = "application/hal+json"


def _pacts() -> dict[str, dict[str, Any]]:
    """The committed pacts by consumer name."""
    found = {}
    for file in sorted(PACTS.glob("*.json")):
        pact = json.loads(file.read_text(encoding="utf-8"))
        found[pact["consumer"]["name"]] = pact
    return found


def broker_app(
    *,
    auth: str = "bearer",
    tags: dict[str, list[str]] | None = None,
    index_links: bool = True,
    pact_base: str | None = None,
    seen: list[dict[str, str]] | None = None,
) -> Starlette:
    """A Pact Broker for the committed pacts; ``auth`` is ``bearer``, ``basic`` or ``none``;
    ``tags`` maps a consumer version tag to the consumers whose latest version has it;
    ``pact_base`` serves the pact links at another origin; ``seen`` collects request headers."""
    pacts = _pacts()
    expected = {
        "bearer": f"Bearer {TOKEN}",
        "basic": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
        "none": None,
    }[auth]

    def refused(request: Request) -> Response | None:
        if seen is not None:
            seen.append(dict(request.headers))
        if expected is not None and request.headers.get("authorization") != expected:
            return JSONResponse({"error": "Unauthorized"}, status_code=401, media_type=HAL)
        return None

    async def index(request: Request) -> Response:
        if (no := refused(request)) is not None:
            return no
        base = str(request.base_url).rstrip("/")
        links: dict[str, Any] = {"self": {"href": base, "title": "Index"}}
        if index_links:
            links["pb:latest-provider-pacts"] = {
                "href": f"{base}/pacts/provider/{{provider}}/latest",
                "title": "Latest pacts by provider",
                "templated": True,
            }
            links["pb:latest-provider-pacts-with-tag"] = {
                "href": f"{base}/pacts/provider/{{provider}}/latest/{{tag}}",
                "title": "Latest pacts for provider with the specified tag",
                "templated": True,
            }
        return JSONResponse({"_links": links}, media_type=HAL)

    async def latest(request: Request) -> Response:
        if (no := refused(request)) is not None:
            return no
        provider = request.path_params["provider"]
        tag = request.path_params.get("tag")
        if provider != PROVIDER:
            error = {"error": f"No provider with name '{provider}' found"}
            return JSONResponse(error, status_code=404, media_type=HAL)
        base = pact_base or str(request.base_url).rstrip("/")
        consumers = [c for c in pacts if tag is None or c in (tags or {}).get(tag, [])]
        links = [
            {
                "href": f"{base}/pacts/provider/{PROVIDER}/consumer/{c}/version/1.0.{n}",
                "title": f"Pact between {c} (1.0.{n}) and {PROVIDER}",
                "name": c,
            }
            for n, c in enumerate(consumers)
        ]
        body = {
            "_links": {
                "self": {"href": str(request.url), "title": "Latest pact versions"},
                "pb:provider": {"href": f"{base}/pacticipants/{PROVIDER}", "name": PROVIDER},
                "pb:pacts": links,
                "provider": {"href": f"{base}/pacticipants/{PROVIDER}", "title": PROVIDER},
                "pacts": links,
            }
        }
        return JSONResponse(body, media_type=HAL)

    async def pact(request: Request) -> Response:
        if (no := refused(request)) is not None:
            return no
        consumer = request.path_params["consumer"]
        document = {**pacts[consumer], "_links": {"self": {"href": str(request.url)}}}
        return JSONResponse(document, media_type=HAL)

    return Starlette(
        routes=[
            Route("/", index),
            Route("/pacts/provider/{provider}/latest", latest),
            Route("/pacts/provider/{provider}/latest/{tag}", latest),
            Route("/pacts/provider/{provider}/consumer/{consumer}/version/{version}", pact),
        ]
    )


Start = Callable[..., RunningServer]


def _descriptions(interactions: Any) -> set[tuple[str, str]]:
    return {(i.consumer, i.description) for i in interactions}


def test_the_broker_answers_the_same_interactions_as_the_pact_files(make_server: Start) -> None:
    broker = make_server(broker_app())
    fetched = fetch_broker_pacts(Broker(broker.url, PROVIDER, token=TOKEN))
    assert _descriptions(fetched) == _descriptions(read_pacts(PACTS))
    assert len(fetched) == 93  # 52 + 41 interactions


def test_a_broker_without_the_index_link_is_asked_at_the_documented_path(
    make_server: Start,
) -> None:
    broker = make_server(broker_app(auth="basic", index_links=False))
    fetched = fetch_broker_pacts(Broker(broker.url, PROVIDER, username=USER, password=PASSWORD))
    assert {i.consumer for i in fetched} == {"platform-web", "platform-web-js"}


def test_a_consumer_version_tag_reads_only_the_tagged_pacts(make_server: Start) -> None:
    broker = make_server(broker_app(tags={"prod": ["platform-web-js"]}))
    fetched = fetch_broker_pacts(Broker(broker.url, PROVIDER, token=TOKEN, tag="prod"))
    assert {i.consumer for i in fetched} == {"platform-web-js"}


def test_credentials_go_only_to_the_brokers_own_origin(make_server: Start) -> None:
    seen_elsewhere: list[dict[str, str]] = []
    elsewhere = make_server(broker_app(auth="none", seen=seen_elsewhere))
    broker = make_server(broker_app(pact_base=elsewhere.url))
    fetched = fetch_broker_pacts(Broker(broker.url, PROVIDER, token=TOKEN))
    assert {i.consumer for i in fetched} == {"platform-web", "platform-web-js"}
    assert len(seen_elsewhere) == 2  # both pacts were read there, without the token
    assert all("authorization" not in headers for headers in seen_elsewhere)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("broker", "said"),
    [
        (
            Broker("http://127.0.0.1:{port}", PROVIDER, token="wrong"),
            "the Pact Broker refused GET http://127.0.0.1:{port}/ with 401 Unauthorized; "
            "check --broker-token",
        ),
        (
            Broker("http://127.0.0.1:{port}", PROVIDER),
            "with 401 Unauthorized (no credentials were given)",
        ),
        (
            Broker("http://127.0.0.1:{port}", "billing-api", token=TOKEN),
            "GET http://127.0.0.1:{port}/pacts/provider/billing-api/latest answered 404: the "
            "Pact Broker has no pacts for provider 'billing-api'; check --provider",
        ),
    ],
)
def test_a_refusal_or_an_unknown_provider_says_so(
    make_server: Start, broker: Broker, said: str
) -> None:
    server = make_server(broker_app())
    pointed = Broker(
        broker.url.format(port=server.port), broker.provider, token=broker.token, tag=broker.tag
    )
    with pytest.raises(DiffError) as caught:
        fetch_broker_pacts(pointed)
    assert said.format(port=server.port) in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_a_broker_that_is_down_is_named() -> None:
    port = _closed_port()
    with pytest.raises(DiffError) as caught:
        fetch_broker_pacts(Broker(f"http://ci:{TOKEN}@127.0.0.1:{port}", PROVIDER))
    said = str(caught.value)
    assert said.startswith(f"--broker-url http://127.0.0.1:{port}: cannot reach the Pact Broker")
    assert "check the URL and that the broker is up" in said
    assert TOKEN not in said


@pytest.mark.parametrize("url", ["broker.example.com", "ftp://broker.example.com", "http://"])
def test_a_url_that_is_no_http_url_is_refused_at_the_boundary(url: str) -> None:
    with pytest.raises(DiffError, match="expected an http\\(s\\) URL"):
        Broker(url, PROVIDER)


# The command, end to end


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``planted.yaml``: our spec without ``Order.status``, in the working directory (which has
    no contracts/pacts/, so only the broker's pacts can name consumers)."""
    from mockserver.spec.files import read_spec_file

    document = read_spec_file(SPEC, str(SPEC))
    (tmp_path / "planted.yaml").write_text(json.dumps(_without_order_status(document)))
    monkeypatch.chdir(tmp_path)
    for name in ("BASE_URL", "TOKEN", "USERNAME", "PASSWORD"):
        monkeypatch.delenv(f"PACT_BROKER_{name}", raising=False)
    return tmp_path


def test_diff_with_the_broker_names_the_consumers_it_breaks(
    planted: Path, make_server: Start, capsys: pytest.CaptureFixture[str]
) -> None:
    broker = make_server(broker_app())
    argv = ["diff", str(SPEC), "planted.yaml", "--broker-url", broker.url, "--provider", PROVIDER]
    code, out, _ = _exit([*argv, "--broker-token", TOKEN], capsys)
    assert code == 1
    assert (
        "consumers: breaks 2 consumer(s): platform-web (3 interactions), "
        "platform-web-js (3 interactions)"
    ) in out
    assert 'consumer platform-web: "an order placement"' in out
    # the same report as from the pact files
    with_files = _exit(["diff", str(SPEC), "planted.yaml", "--pacts", str(PACTS)], capsys)
    assert with_files == (code, out, "")


def test_diff_reads_the_broker_settings_from_the_environment(
    planted: Path,
    make_server: Start,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broker = make_server(broker_app(auth="basic"))
    monkeypatch.setenv("PACT_BROKER_BASE_URL", broker.url)
    monkeypatch.setenv("PACT_BROKER_USERNAME", USER)
    monkeypatch.setenv("PACT_BROKER_PASSWORD", PASSWORD)
    code, out, err = _exit(["diff", str(SPEC), "planted.yaml", "--provider", PROVIDER], capsys)
    assert (code, err) == (1, "")
    assert "breaks 2 consumer(s)" in out


@pytest.mark.parametrize("down", [False, True])
def test_diff_exits_2_naming_the_broker_when_refused_or_down(
    planted: Path, make_server: Start, capsys: pytest.CaptureFixture[str], down: bool
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}" if down else make_server(broker_app()).url
    argv = ["diff", str(SPEC), "planted.yaml", "--broker-url", url, "--provider", PROVIDER]
    code, out, err = _exit([*argv, "--broker-token", "wrong"], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"mockserver diff: --broker-url {url}: ")
    assert ("cannot reach the Pact Broker" if down else "refused GET") in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--provider", PROVIDER], "--provider: give the Pact Broker's --broker-url"),
        (["--broker-url", "http://127.0.0.1:9"], "--broker-url: name the provider"),
        (
            ["--provider", PROVIDER, "--pacts", str(PACTS)],
            "give --pacts or --provider",
        ),
    ],
)
def test_diff_broker_usage_errors_exit_2(
    planted: Path, capsys: pytest.CaptureFixture[str], options: list[str], said: str
) -> None:
    code, _, err = _exit(["diff", str(SPEC), "planted.yaml", *options], capsys)
    assert code == 2
    assert said in err
