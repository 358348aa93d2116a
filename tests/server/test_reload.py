"""``--reload`` (`mockserver.server.reload`): real files in a temporary directory, the real
watcher started by the app's lifespan, and the rebuilt mock answering the next request."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.applications import Starlette

from mockserver import create_app
from mockserver.server.reload import ReloadingApp
from tests.inprocess import API, BUNDLED, InProcess

MakeMock = Callable[..., InProcess]
# Generous: a deadline for a slow shared machine, not a latency assertion.
DEADLINE = 10.0


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    copy = tmp_path / "openapi.yaml"
    shutil.copy(BUNDLED, copy)
    return copy


def _version(mock: InProcess) -> str:
    version: str = mock.request("GET", "/health").json()["version"]
    return version


def _until(mock: InProcess, done: Callable[[], bool], touch: Callable[[], object]) -> None:
    """Make the change ``touch`` makes, again every 50 ms, until ``done``.

    The watcher's thread may not watch yet when the first change is made; repeating the
    change (the same one) gets it noticed once it does.
    """
    deadline = time.monotonic() + DEADLINE
    while not done():
        assert time.monotonic() < deadline, "the change was not noticed"
        touch()
        mock.run(asyncio.sleep(0.05))


def _edit(spec: Path, version: str) -> Callable[[], object]:
    text = spec.read_text().replace("version: 1.0.0 }", f"version: {version} }}", 1)
    return lambda: spec.write_text(text)


@pytest.mark.parametrize("watch", ["file", "directory"])
def test_reload_serves_the_edited_spec(make_mock: MakeMock, spec: Path, watch: str) -> None:
    app = ReloadingApp(
        lambda: create_app(spec, stateful=False), spec if watch == "file" else spec.parent
    )
    mock = make_mock(app, prefix=API)  # its lifespan starts the watcher
    assert _version(mock) == "1.0.0"
    _until(mock, lambda: app.reloads >= 1, _edit(spec, "2.0.0"))
    assert _version(mock) == "2.0.0"


def test_reload_keeps_serving_the_previous_spec_after_a_broken_edit(
    make_mock: MakeMock, spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builds: list[str] = []

    def build() -> Starlette:
        builds.append(spec.read_text()[:20])
        return create_app(spec, stateful=False)

    app = ReloadingApp(build, spec)
    mock = make_mock(app, prefix=API)
    edit = _edit(spec, "3.0.0")
    # Unreadable (a defect the lenient loader would serve around is no reason to keep the old)
    broken = "openapi: 3.1.0\ninfo: {title: broken\npaths: {}\n"
    _until(mock, lambda: len(builds) > 1, lambda: spec.write_text(broken))
    assert app.reloads == 0
    assert _version(mock) == "1.0.0"
    assert "reload failed, still serving the previous spec" in capsys.readouterr().err
    _until(mock, lambda: app.reloads >= 1, edit)
    assert _version(mock) == "3.0.0"


def test_reload_ignores_files_that_are_not_specs(make_mock: MakeMock, spec: Path) -> None:
    app = ReloadingApp(lambda: create_app(spec, stateful=False), spec)
    mock = make_mock(app, prefix=API)
    notes, listing = spec.parent / "notes.txt", spec.parent / "asyncapi.json"
    started = time.monotonic()
    _until(mock, lambda: time.monotonic() - started > 0.5, lambda: notes.write_text("no spec"))
    assert app.reloads == 0
    _until(mock, lambda: app.reloads > 0, lambda: listing.write_text("{}"))  # .json is a spec


def test_reload_stops_watching_at_shutdown(make_mock: MakeMock, spec: Path) -> None:
    app = ReloadingApp(lambda: create_app(spec, stateful=False), spec)
    mock = make_mock(app, prefix=API)
    assert _version(mock) == "1.0.0"
    mock.close()
    edit = _edit(spec, "4.0.0")
    for _ in range(4):
        edit()
        time.sleep(0.1)
    assert app.reloads == 0
