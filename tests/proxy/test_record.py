"""Recording answers as named examples, and serving a spec with the recording."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from mockserver import create_app
from mockserver.cli.main import _build_parser
from mockserver.cli.serve import _create_app
from mockserver.errors import ConfigError
from mockserver.proxy.record import OVERLAY, Recorder, load_overlay, with_examples
from tests.inprocess import API, BUNDLED, InProcess
from tests.proxy.conftest import bundled_spec

MakeProxy = Callable[..., InProcess]


def test_record_a_session_then_serve_the_recording_with_the_same_bodies(
    make_proxy: MakeProxy, provider_api: str, tmp_path: Path
) -> None:
    proxy = make_proxy(provider_api, record=tmp_path)
    user = proxy.user()
    created = user.post("/projects", json={"name": "Apollo"}).json()
    read = user.get(f"/projects/{created['id']}").json()
    me = user.get("/auth/me").json()
    overlay = load_overlay(tmp_path)
    names = list(overlay["operations"]["getProject"]["200"]["application/json"])
    assert len(names) == 1
    assert names[0].startswith("getProject-200-")
    spec, skipped = with_examples(bundled_spec(), tmp_path)
    assert skipped == []
    served = InProcess(create_app(spec, stateful=False), prefix=API)
    try:
        auth = {"Authorization": "Bearer recorded"}
        # The recorded example is the default answer, ahead of the spec's own ("ada").
        assert served.request("GET", "/auth/me", headers=auth).json() == me
        assert served.request("GET", f"/projects/{created['id']}", headers=auth).json() == read
        named = served.request(
            "GET",
            "/projects/0f8b7c1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d",
            headers={**auth, "Prefer": f"example={names[0]}"},
        )
        assert named.json() == read
    finally:
        served.close()
    assert bundled_spec().document != spec.document  # the loaded spec was not changed


def test_recorder_keeps_each_distinct_answer_once_and_redacts_secrets(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "rec", spec="openapi.yaml")
    body = orjson.dumps({"id": 1, "apiKey": "s3cret", "tokens": {"accessToken": "t"}})
    first = recorder.record("op", 200, "application/json; charset=utf-8", body)
    assert recorder.record("op", 200, "application/json", body) == first
    assert recorder.record("op", 200, "application/json", b"") is None
    assert recorder.record("op", 200, "image/png", b"\x89PNG") is None
    text = recorder.record("op", 200, "text/plain", b"hello")
    assert text is not None
    assert text != first
    examples = load_overlay(tmp_path / "rec")["operations"]["op"]["200"]
    assert examples["application/json"][first]["value"] == {
        "id": 1, "apiKey": "[redacted]", "tokens": {"accessToken": "[redacted]"},
    }  # fmt: skip
    assert examples["text/plain"][text]["value"] == "hello"
    again = Recorder(tmp_path / "rec", spec="openapi.yaml")  # a second session adds to it
    again.record("op", 201, "application/json", b"[]")
    assert set(load_overlay(tmp_path / "rec")["operations"]["op"]) == {"200", "201"}


def test_recorder_notes_the_violations_of_an_answer_it_records(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, spec="openapi.yaml")
    violation = {"in": "response", "field": "body.name", "code": "required", "message": "m"}
    name = recorder.record("op", 200, "application/json", b"{}", [violation])
    assert name is not None
    entry = load_overlay(tmp_path)["operations"]["op"]["200"]["application/json"][name]
    assert entry["x-recorded-violations"] == [violation]
    clean = recorder.record("op", 200, "application/json", b"{ }")
    assert clean == name  # the same value, recorded once


def test_with_examples_says_what_it_could_not_place(tmp_path: Path) -> None:
    overlay = {
        "format": "mockserver-examples/1",
        "spec": "openapi.yaml",
        "operations": {
            "noSuchOperation": {"200": {"application/json": {"a": {"value": 1}}}},
            "getHealth": {
                "299": {"application/json": {"b": {"value": 1}}},
                "200": {"text/csv": {"c": {"value": "x"}}},
            },
        },
    }
    (tmp_path / OVERLAY).write_bytes(orjson.dumps(overlay))
    _, skipped = with_examples(bundled_spec(), tmp_path)
    assert skipped == [
        "noSuchOperation: the spec has no such operation",
        "getHealth 299: the spec declares no such status",
        "getHealth 200 text/csv: not declared",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"{", "is not JSON"),
        (b'{"format": "other"}', "is not an examples overlay"),
    ],
)
def test_load_overlay_refuses_what_is_not_an_overlay(
    content: bytes | None, message: str, tmp_path: Path
) -> None:
    if content is not None:
        (tmp_path / OVERLAY).write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load_overlay(tmp_path)


def test_serve_examples_option_serves_the_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder(tmp_path, spec=str(BUNDLED))
    name = recorder.record("getHealth", 200, "application/json", b'{"status": "ok"}')
    recorder.record("gone", 200, "application/json", b"{}")
    args = _build_parser().parse_args(["serve", str(BUNDLED), "--examples", str(tmp_path)])
    served = InProcess(_create_app(args, fixtures=None), prefix=API)
    try:
        answer = served.request("GET", "/health", headers={"Prefer": f"example={name}"})
        assert answer.json() == {"status": "ok"}
    finally:
        served.close()
    assert "recorded example not served: gone" in capsys.readouterr().err


def test_serve_examples_option_refuses_several_specs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mockserver.cli.main import main

    Recorder(tmp_path, spec=str(BUNDLED))
    code = main(
        ["serve", str(BUNDLED), "--mount", f"/other={BUNDLED}", "--examples", str(tmp_path)]
    )
    assert code == 2
    assert "--examples serves the recording of one spec" in capsys.readouterr().err
