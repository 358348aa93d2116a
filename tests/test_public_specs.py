"""The engine serves public specs it did not grow up with: every GET answers without a 5xx."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from mockserver import create_app
from mockserver.server.compiler import CompiledOperation
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


def _value(engine: Engine, schema: Any, key: str) -> Any:
    if schema in (None, {}, True):
        return "x"
    return engine.generator.generate(schema, key=key, direction="request")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _serialize(name: str, value: Any, style: str, explode: bool) -> list[tuple[str, str]] | str:
    """Serialize a value per OpenAPI's style table: pairs for query, text for the rest."""
    if isinstance(value, dict):
        items = [(str(k), _text(v)) for k, v in value.items()]
        if style == "deepObject":
            return [(f"{name}[{k}]", v) for k, v in items]
        if style == "form":
            return items if explode else [(name, ",".join(f"{k},{v}" for k, v in items))]
        joined = (
            ",".join(f"{k}={v}" for k, v in items)
            if explode
            else ",".join(f"{k},{v}" for k, v in items)
        )
        if style == "label":
            return "." + joined.replace(",", ".") if explode else "." + joined
        if style == "matrix":
            if explode:
                return "".join(f";{k}={v}" for k, v in items)
            return f";{name}=" + joined
        return joined
    if isinstance(value, list):
        texts = [_text(v) for v in value]
        if style == "form":
            return [(name, t) for t in texts] if explode else [(name, ",".join(texts))]
        if style in ("spaceDelimited", "pipeDelimited"):
            separator = " " if style == "spaceDelimited" else "|"
            return [(name, t) for t in texts] if explode else [(name, separator.join(texts))]
        if style == "label":
            return "." + (".".join(texts) if explode else ",".join(texts))
        if style == "matrix":
            if explode:
                return "".join(f";{name}={t}" for t in texts)
            return f";{name}=" + ",".join(texts)
        return ",".join(texts)
    text = _text(value)
    if style == "form":
        return [(name, text)]
    if style == "label":
        return "." + text
    if style == "matrix":
        return f";{name}={text}"
    return text


def _request(
    engine: Engine, compiled: CompiledOperation
) -> tuple[str, list[tuple[str, str | int | float | bool | None]], dict[str, str]]:
    """A request that satisfies the operation's required parameters and security."""
    op = compiled.operation
    path = op.path
    query: list[tuple[str, str | int | float | bool | None]] = []
    headers = {"Authorization": "Bearer token"}
    cookies: list[str] = []
    for param in op.parameters:
        if not param.required and param.location != "path":
            continue
        value = _value(engine, param.schema, f"{op.pointer}/{param.name}")
        if param.media_type is not None:
            value = json.dumps(value)
        serialized = _serialize(param.name, value, param.style, param.explode)
        if param.location == "query":
            assert isinstance(serialized, list)
            query.extend(serialized)
        elif isinstance(serialized, list):
            cookies.extend(f"{k}={quote(v)}" for k, v in serialized)
        elif param.location == "path":
            path = path.replace("{" + param.name + "}", quote(serialized, safe=",;=."))
        else:
            headers[param.name] = serialized
    schemes = engine.spec.document.get("components", {}).get("securitySchemes", {})
    for alternative in op.security[:1]:
        for name in alternative:
            scheme = schemes.get(name, {})
            if scheme.get("type") == "apiKey":
                where, key = scheme["in"], scheme["name"]
                if where == "header":
                    headers[key] = "key"
                elif where == "query":
                    query.append((key, "key"))
                else:
                    cookies.append(f"{key}=key")
            elif scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "basic":
                headers["Authorization"] = "Basic dXNlcjpwYXNz"
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    return engine.spec.base_path + path, query, headers


def _rejected_by_us(response: httpx.Response) -> bool:
    """The engine itself refused the request (rather than answering a declared 400)."""
    if response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("type", "")).startswith("urn:mockserver:")


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
            path, query, headers = _request(engine, compiled)
            response = client.get(path, params=query, headers=headers)
            # A 5xx is a failure unless the operation declares nothing else to answer with;
            # a 400 means the engine rejected a request built to be valid.
            only_errors = compiled.responder.default_status >= 500
            if (response.status_code >= 500 and not only_errors) or _rejected_by_us(response):
                failures.append(
                    f"{compiled.operation.label}: {response.status_code} {response.text[:300]}"
                )
    RESULTS[f"{spec_path.parent.parent.name}/{spec_path.name}"] = (
        len(gets),
        len(gets) - len(failures),
    )
    assert failures == []
