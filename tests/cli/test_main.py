"""``mockserver`` invoked in-process (`mockserver.cli.main`): help, usage errors, ``serve``'s
refusals before it binds anything, ``lint``, and a ``--workers`` process building its app.

``serve`` itself blocks, so it is run for real only by the slow tier
(`tests/cli/test_serve_process.py`); everything it does before handing the app to uvicorn is
checked here.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mockserver.cli import main as cli
from mockserver.cli import serve
from mockserver.cli.main import main
from mockserver.cli.serve import _FreezeWhenServing
from mockserver.server.reload import ReloadingApp
from tests.conftest import SPEC
from tests.inprocess import API, InProcess
from tests.redis_server import RedisServer
from tests.state.test_fixtures import ADA, HAND_WRITTEN, PROJECT

MakeMock = Callable[..., InProcess]
MISSING = "does/not/exist.yaml"


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Options that default from the environment default to nothing here."""
    for name in ("MOCKSERVER_STATE_URL", "MOCKSERVER_ADMIN_TOKEN", "MOCKSERVER_JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def _exit(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The exit code and output of ``mockserver argv``, usage errors included."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--help"], ["serve", "lint", "verify", "contracts"]),
        (["serve", "--help"], ["--max-body-bytes", "shared state", "--webhook-hosts", "--reload"]),
        (["lint", "--help"], ["OpenAPI file to check"]),
    ],
)
def test_cli_help_exits_0_and_names_what_there_is(
    argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _exit(argv, capsys)
    assert code == 0
    for text in expected:
        assert text in out


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--port", "65536", "expected a port number 0-65535, got '65536'"),
        ("--max-body-bytes", "0", "expected a positive int, got '0'"),
        ("--max-json-depth", "deep", "expected a positive int, got 'deep'"),
        ("--body-timeout", "-1", "expected a positive float, got '-1'"),
        ("--shutdown-timeout", "soon", "expected a positive float, got 'soon'"),
        ("--chaos", "1.5", "expected a share between 0 and 1, got '1.5'"),
        ("--latency", "soon", "expected a latency like 120ms, 1.5s, 50ms..200ms or lognormal("),
        (
            "--latency",
            "getHealth=lognormal(median=9ms)",
            "expected a latency like 120ms, 1.5s, 50ms..200ms or lognormal(median=80ms,p99=400ms),"
            " got 'lognormal(median=9ms)': lognormal needs both median= and p99=",
        ),
    ],
)
def test_cli_serve_refuses_a_bad_value_with_a_usage_error(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _exit(["serve", option, value], capsys)
    assert code == 2
    assert "usage: mockserver serve" in err
    assert f"argument {option}: {message}" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "2"], "--workers 2 needs --state-url"),
        (["--reload", "--state-url", "redis://127.0.0.1/0"], "--reload rebuilds the mock"),
        (["--reload", "--workers", "3", "--state-url", "redis://h/0"], "--reload rebuilds"),
        (["--state-url", "memcached://127.0.0.1/0"], "expected redis://host:port/db"),
        (["--fixtures", MISSING], f"cannot read fixtures {MISSING}"),
        (["--webhook-hosts", "private,hooks/*"], "webhook host pattern 'hooks/*' is neither"),
        (["--latency", "getHelth=5ms"], "no operation is called 'getHelth'"),
    ],
)
def test_cli_serve_refuses_options_that_cannot_work_together(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _exit(["serve", str(SPEC), *argv], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("mockserver: ")
    assert message in err


def test_cli_serve_finds_the_bundled_spec_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    # The spec loads (from the checkout), then the state URL is refused: nothing is served.
    code, _, err = _exit(["serve", "--port", "0", "--state-url", "memcached://h/0"], capsys)
    assert code == 2
    assert "expected redis://host:port/db" in err


# Every serve option with a value it accepts and one it refuses.
OPTIONS: dict[str, tuple[str, ...]] = {
    "--port": ("0", "4010", "-1", "port"),
    "--seed": ("7", "seven"),
    "--latency": (
        "50",
        "10-20",
        "fast",
        "20-10",
        "getHealth=5ms..9ms",
        "nope=5ms",
        "lognormal(median=8ms,p99=40ms)",
        "lognormal(p99=1ms)",
    ),
    "--chaos": ("0", "0.5", "2", "often"),
    "--workers": ("1", "2", "0"),
    "--state-url": ("redis://127.0.0.1:1/0", "memcached://h/0"),
    "--state-prefix": ("ci:", ""),
    "--fixtures": (MISSING,),
    "--admin-token": ("t",),
    "--max-body-bytes": ("1024", "0", "big"),
    "--max-query-params": ("10", "-3"),
    "--header-timeout": ("0.5", "0"),
    "--webhook-attempts": ("3", "0"),
    "--webhook-backoff": ("0.1", "-1"),
    "--webhook-hosts": ("private", "*", "10.0.0.0/8", "bad/host"),
    "--missing": ("404", "materialize", "410"),
}
FLAGS = ("--stateless", "--no-cors", "--reload", "--seed-examples", "--no-seed-examples")
options = st.lists(
    st.one_of(
        st.sampled_from(sorted(OPTIONS)).flatmap(
            lambda name: st.sampled_from(OPTIONS[name]).map(lambda value: [name, value])
        ),
        st.sampled_from(FLAGS).map(lambda flag: [flag]),
    ),
    max_size=6,
).map(lambda pairs: [part for pair in pairs for part in pair])


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=options)
@example(argv=["--workers", "2", "--reload"])
@example(argv=["--state-url", "redis://127.0.0.1:1/0", "--state-prefix", ""])
def test_cli_serve_never_crashes_on_any_combination_of_options(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The spec is missing, so no combination gets as far as binding a port.
    capsys.readouterr()
    code, out, err = _exit(["serve", MISSING, *argv], capsys)
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    assert err.startswith(("usage: mockserver serve", "mockserver: ")), err


# -- lint -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "code", "summary"),
    [
        (SPEC, 0, "0 errors, 0 warnings"),
        (
            SPEC.parent.parent / "tests" / "specs" / "lint" / "problems.yaml",
            1,
            "5 errors, 2 warnings",
        ),
        (Path(MISSING), 1, "1 errors, 0 warnings"),
    ],
)
def test_cli_lint_exits_1_on_errors_and_summarises(
    spec: Path, code: int, summary: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exited, out, _ = _exit(["lint", str(spec)], capsys)
    assert exited == code
    assert out.splitlines()[-1] == f"{spec}: {summary}"
    for line in out.splitlines()[:-1]:
        assert line.startswith(("error: ", "warning: ", "    fix: "))


# -- a --workers process ----------------------------------------------------------------------


@pytest.fixture
def worker_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[list[str]], None]]:
    """Set the arguments a ``--workers`` parent hands its processes; undone afterwards."""

    def set_arguments(argv: list[str]) -> None:
        monkeypatch.setenv("MOCKSERVER_WORKER_ARGV", json.dumps(argv))
        serve._worker_args.cache_clear()

    yield set_arguments
    serve._worker_args.cache_clear()
    gc.unfreeze()  # a worker keeps its start-up out of collections; this test process must not


def test_cli_worker_builds_its_app_from_the_parents_arguments(
    worker_environment: Callable[[list[str]], None], make_mock: MakeMock
) -> None:
    worker_environment(["serve", str(SPEC), "--stateless", "--seed", "3", "--no-cors"])
    app = serve.worker_app()
    assert app.state.engine.state is None
    mock = make_mock(app, prefix=API)
    answer = mock.request("GET", "/health", headers={"Origin": "http://localhost:5173"})
    assert answer.json() == {"status": "ok", "version": "1.0.0"}
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize(
    ("argv", "materialize", "seeds"),
    [
        ([], False, False),  # the bundled spec uses x-mock-*: neither, by default
        (["--missing", "materialize", "--seed-examples"], True, True),
        (["--missing", "404", "--no-seed-examples"], False, False),
    ],
)
def test_cli_serve_passes_missing_and_seed_examples_to_the_app(
    worker_environment: Callable[[list[str]], None],
    argv: list[str],
    materialize: bool,
    seeds: bool,
) -> None:
    worker_environment(["serve", str(SPEC), *argv])
    state = serve.worker_app().state.engine.state
    assert (state.context.materialize, state.seed_examples) == (materialize, seeds)


# -- what serve hands to uvicorn ----------------------------------------------------------------


@dataclass
class Served:
    """What ``serve`` handed to ``uvicorn.run``, and the signals it answered, instead of serving."""

    runs: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    signals: list[int] = field(default_factory=list)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """``uvicorn.run`` records its arguments instead of blocking until the server stops.

    uvicorn is not ours: what is under test is everything ``serve`` does up to handing it the
    app. The process's own SIGTERM handler and collector are left as they were.
    """
    record = Served()
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: record.runs.append((app, options)))
    monkeypatch.setattr(signal, "signal", lambda signum, handler: record.signals.append(signum))
    monkeypatch.delenv("MOCKSERVER_WORKER_ARGV", raising=False)  # serve --workers sets it
    yield record
    serve._worker_args.cache_clear()
    gc.unfreeze()


def test_cli_serve_announces_the_mock_and_hands_uvicorn_its_app(
    served: Served, make_mock: MakeMock, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["serve", str(SPEC), "--port", "0", "--shutdown-timeout", "3", "--stateless"]
    code, out, err = _exit(argv, capsys)
    assert (code, err) == (0, "")
    assert out == f"mockserver: 38 operations of {SPEC} on http://127.0.0.1:0/api/v1\n"
    [(app, options)] = served.runs
    assert (options["host"], options["port"], options["timeout_graceful_shutdown"]) == (
        "127.0.0.1", 0, 3.0
    )  # fmt: skip
    assert (options["factory"], options["workers"]) == (False, None)
    # `_FreezeWhenServing` returns the app's awaitable: uvicorn must not guess ASGI 2 from it.
    assert options["interface"] == "asgi3"
    assert served.signals == [signal.SIGTERM]  # a graceful stop exits 0, not 143
    mock = make_mock(app, prefix=API)
    assert mock.request("GET", "/health").json() == {"status": "ok", "version": "1.0.0"}


def test_cli_serve_reload_hands_uvicorn_the_reloading_app(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit(["serve", str(SPEC), "--reload"], capsys)[0] == 0
    [(app, _)] = served.runs
    assert isinstance(app, _FreezeWhenServing)  # collects and freezes once it listens
    assert isinstance(app.app, ReloadingApp)


def test_cli_serve_workers_load_the_fixtures_once_and_rebuild_the_app_each(
    served: Served,
    shared_redis: RedisServer,
    make_mock: MakeMock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps(HAND_WRITTEN))
    url = shared_redis.url()
    argv = ["serve", str(SPEC), "--workers", "2", "--state-url", url, "--fixtures", str(fixtures)]
    assert _exit(argv, capsys)[0] == 0
    [(app, options)] = served.runs
    assert (app, options["factory"], options["workers"]) == (
        "mockserver.cli.serve:worker_app", True, 2
    )  # fmt: skip
    assert json.loads(os.environ["MOCKSERVER_WORKER_ARGV"]) == argv
    # A worker, started from that environment, serves the fixtures the parent loaded.
    worker = make_mock(serve.worker_app(), prefix=API)
    login = {"email": "ada@example.com", "password": "passw0rd-long"}
    token = worker.request("POST", "/auth/login", json=login).json()["tokens"]["accessToken"]
    assert worker.request("GET", f"/projects/{PROJECT}", token=token).json()["ownerId"] == ADA


def test_serving_app_collects_and_freezes_once_the_lifespan_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen: list[bool] = []
    monkeypatch.setattr(serve, "_FREEZE_AFTER", 0.0)
    monkeypatch.setattr(serve, "_freeze_startup", lambda: frozen.append(True))
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    async def receive() -> dict[str, Any]:
        return {}

    async def send(message: Any) -> None:
        pass

    async def run() -> None:
        wrapped = _FreezeWhenServing(app)
        await wrapped({"type": "http"}, receive, send)
        assert frozen == []  # a request alone does not freeze
        await wrapped({"type": "lifespan"}, receive, send)
        await asyncio.sleep(0.01)

    asyncio.run(run())
    assert frozen == [True]
    assert seen == ["http", "lifespan"]


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    # `mockserver lint SPEC | head -0`: the pipe is closed before the command writes.
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "lint", str(SPEC)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert b"Traceback" not in err


SHOP = Path(__file__).resolve().parent.parent / "specs" / "engine" / "shop.yaml"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([str(SHOP), str(SHOP)], "are both served at base path '/v2': give one another with"),
        ([str(SPEC), str(SHOP), "--reload"], "--reload serves one spec"),
        ([str(SHOP), "--mount", f"/v2={SPEC}"], "are both served at base path '/v2'"),
    ],
)
def test_cli_serve_refuses_specs_that_cannot_share_a_port(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _exit(["serve", *argv], capsys)
    assert (code, out) == (2, "")
    assert message in err


@pytest.mark.parametrize("value", ["v2=a.yaml", "/v2", "/v2="])
def test_cli_serve_refuses_a_mount_that_does_not_read(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _exit(["serve", "--mount", value], capsys)
    assert code == 2
    assert f"argument --mount: expected PREFIX=FILE with PREFIX like /billing, got {value!r}" in err


def test_cli_serve_builds_one_app_for_several_specs() -> None:
    args = cli._build_parser().parse_args(
        ["serve", str(SPEC), str(SHOP), "--mount", f"/billing={SHOP}", "--latency", "5ms"]
    )
    app = serve._create_app(args, fixtures=None)
    assert [e.spec.base_path for e in app.state.engines] == ["/api/v1", "/v2", "/billing"]
    single = serve._create_app(cli._build_parser().parse_args(["serve", str(SHOP)]), fixtures=None)
    assert single.state.engine.spec.base_path == "/v2"
    assert not hasattr(single.state, "engines")  # one spec: the app as before


def test_cli_serve_gives_several_specs_the_same_missing_and_seed_examples() -> None:
    argv = ["serve", str(SPEC), str(SHOP), "--missing", "materialize", "--seed-examples"]
    app = serve._create_app(cli._build_parser().parse_args(argv), fixtures=None)
    states = [engine.state for engine in app.state.engines]
    assert [(s.context.materialize, s.seed_examples) for s in states] == [(True, True)] * 2
