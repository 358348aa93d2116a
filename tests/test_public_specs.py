"""The engine serves public specs it did not grow up with: every GET answers without a 5xx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from corpus.requests import build_request
from mockserver import create_app
from mockserver.server.engine import Engine
from tests.conftest import RunningServer
from tests.public_specs import CorpusUnavailable, corpus_specs

pytestmark = pytest.mark.slow

RESULTS: dict[str, tuple[int, int]] = {}


def _specs() -> list[Any]:
    try:
        return [
            pytest.param(path, id=f"{path.parent.parent.name}/{path.name}")
            for path in corpus_specs()
        ]
    except CorpusUnavailable as exc:
        return [pytest.param(None, marks=pytest.mark.skip(reason=str(exc)), id="oas-examples")]


def _rejected_by_us(engine: Engine, response: httpx.Response) -> bool:
    """The engine itself refused the request (rather than answering a declared 400)."""
    if response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    kind = str(body.get("type", ""))  # the spec's own type when its examples name one
    return kind.startswith("urn:mockserver:") or kind == engine.problems.type_of(
        400, "validation_failed"
    )


@pytest.fixture
def serve(make_server: Callable[..., RunningServer]) -> Callable[[Path], tuple[Engine, str]]:
    def start(path: Path) -> tuple[Engine, str]:
        app = create_app(path, seed=1)
        server = make_server(app)
        return app.state.engine, server.url

    return start


@pytest.mark.parametrize("spec_path", _specs())
def test_public_spec_serves_every_get_without_5xx(
    spec_path: Path, serve: Callable[[Path], tuple[Engine, str]]
) -> None:
    engine, url = serve(spec_path)
    gets = [c for c in engine.operations if c.operation.method == "get"]
    failures = []
    with httpx.Client(base_url=url) as client:
        for compiled in gets:
            path, query, headers = build_request(engine, compiled)
            response = client.get(path, params=query, headers=headers)
            # A 5xx is a failure unless the operation declares nothing else to answer with;
            # a 400 means the engine rejected a request built to be valid.
            only_errors = compiled.responder.default_status >= 500
            server_error = response.status_code >= 500 and not only_errors
            if server_error or _rejected_by_us(engine, response):
                failures.append(
                    f"{compiled.operation.label}: {response.status_code} {response.text[:300]}"
                )
    RESULTS[f"{spec_path.parent.parent.name}/{spec_path.name}"] = (
        len(gets),
        len(gets) - len(failures),
    )
    assert failures == []
