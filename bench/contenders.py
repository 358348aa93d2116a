"""The servers under test, how each is started, and the per-contender setup hook.

A contender's *setup hook* runs once its process is ready and before any load: it returns the
token, project id and credentials the scenarios use. Stateless contenders get a fixed,
syntactically valid context; a stateful mock registers, logs in and creates a project first,
so its GET and list scenarios read data that really exists.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import yaml

from bench.errors import BenchError
from bench.tools import PrismInstall, venv_script

__all__ = [
    "Contender",
    "SetupContext",
    "ceiling_contender",
    "mockserver_contenders",
    "mockserver_supports",
    "prism_contender",
    "spec_base_path",
    "stateful_setup",
    "static_context",
]

BENCH_PASSWORD = "bench-Password-7"  # meets the spec's Password pattern (letters and a digit)


@dataclass(frozen=True)
class SetupContext:
    """What the scenarios need from a contender: a bearer token, a project, credentials."""

    token: str
    project_id: str
    email: str
    password: str


SetupHook = Callable[[str, SetupContext], SetupContext]


def _keep_static(base_url: str, static: SetupContext) -> SetupContext:
    return static


@dataclass(frozen=True)
class Contender:
    """A server to measure: its command, where it mounts the API, and its setup hook."""

    id: str
    label: str
    kind: str  # "ours", "prism" or "ceiling": ratios compare ours against the other two
    command: Callable[[Path, int], list[str]]  # (spec, port) -> argv
    base_path: str  # where it serves the spec's paths ("" for Prism, which ignores servers)
    ready_path: str  # probed for a 2xx, relative to base_path
    setup: SetupHook = _keep_static
    fixed_status: int | None = None  # the ceiling answers this to everything
    version: str | None = None

    def url(self, port: int, path: str = "") -> str:
        """Absolute URL of ``path`` (relative to the base path) on ``port``."""
        return f"http://127.0.0.1:{port}{self.base_path}{path}"


def _load(spec: Path) -> Any:
    """The parsed document; JSON by its suffix, since PyYAML takes minutes over 13 MB of JSON."""
    text = spec.read_text(encoding="utf-8")
    if spec.suffix.lower() == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def spec_base_path(spec: Path) -> str:
    """The path of the spec's first ``servers`` URL (``/api/v1``), or "" without one."""
    try:
        url = str(_load(spec)["servers"][0]["url"])
    except (OSError, ValueError, yaml.YAMLError, KeyError, IndexError, TypeError):
        return ""
    return urlsplit(url).path.rstrip("/")


def _example(document: Any, *keys: str) -> Any:
    node = document
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def static_context(spec: Path) -> SetupContext:
    """A context that needs no server state: a well-formed JWT and the spec's example ids."""
    try:
        document: Any = _load(spec)
    except (OSError, ValueError, yaml.YAMLError):
        document = {}
    project_id = _example(document, "components", "examples", "Project", "value", "id")
    login = _example(document, "components", "examples", "LoginRequest", "value") or {}
    subject = _example(document, "components", "examples", "User", "value", "id")
    claims = {"sub": str(subject or uuid.UUID(int=1)), "exp": 4_102_444_800}  # year 2100
    return SetupContext(
        token=jwt.encode(claims, "bench-not-a-secret-but-long-enough-for-hs256", "HS256"),
        project_id=str(project_id or uuid.UUID(int=2)),
        email=str(login.get("email", "bench@example.com")),
        password=str(login.get("password", BENCH_PASSWORD)),
    )


def _call(client: httpx.Client, step: str, method: str, path: str, **kwargs: Any) -> Any:
    response = client.request(method, path, **kwargs)
    if not response.is_success:
        raise BenchError(
            f"stateful setup failed at {step}: {method} {path} answered {response.status_code} "
            f"{response.text[:300]!r}; the scenarios need register -> login -> create to succeed"
        )
    return response.json()


def stateful_setup(base_url: str, static: SetupContext) -> SetupContext:
    """Register a fresh user, log in and create a project, as a frontend would."""
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    credentials = {"email": email, "password": BENCH_PASSWORD}
    with httpx.Client(base_url=base_url, timeout=10) as client:
        register = {**credentials, "name": "Bench", "acceptTerms": True}
        _call(client, "register", "POST", "/auth/register", json=register)
        login = _call(client, "login", "POST", "/auth/login", json=credentials)
        token = str(login["tokens"]["accessToken"])
        headers = {"Authorization": f"Bearer {token}"}
        project = _call(
            client, "create", "POST", "/projects", json={"name": "Bench"}, headers=headers
        )
    return SetupContext(
        token=token, project_id=str(project["id"]), email=email, password=BENCH_PASSWORD
    )


def _mockserver_argv() -> list[str]:
    script = venv_script("mockserver")
    return [script] if script else [sys.executable, "-m", "mockserver"]


def mockserver_supports(*words: str) -> str | None:
    """The help text of ``mockserver WORDS --help``, or None when that command does not exist."""
    try:
        done = subprocess.run(
            [*_mockserver_argv(), *words, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def mockserver_contenders(spec: Path, *, version: str | None) -> list[Contender]:
    """Our mock as a frontend team runs it, plus ``--stateless`` once the CLI offers it."""
    base = spec_base_path(spec)
    help_text = mockserver_supports("serve") or ""
    stateless_flag = "--stateless" in help_text

    def serve(*extra: str) -> Callable[[Path, int], list[str]]:
        def argv(spec_path: Path, port: int) -> list[str]:
            return [
                *_mockserver_argv(),
                "serve",
                str(spec_path),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *extra,
            ]

        return argv

    if not stateless_flag:
        return [
            Contender(
                id="mockserver",
                label="mockserver (default; stateless today, no --stateless flag yet)",
                kind="ours",
                command=serve(),
                base_path=base,
                ready_path="/health",
                version=version,
            )
        ]
    return [
        Contender(
            id="mockserver",
            label="mockserver (default: stateful, validating)",
            kind="ours",
            command=serve(),
            base_path=base,
            ready_path="/health",
            setup=stateful_setup,
            version=version,
        ),
        Contender(
            id="mockserver-stateless",
            label="mockserver --stateless",
            kind="ours",
            command=serve("--stateless"),
            base_path=base,
            ready_path="/health",
            version=version,
        ),
    ]


def prism_contender(install: PrismInstall, *, note: str = "") -> Contender:
    """Prism's mock, logging only errors so that it is not slowed by a line per request."""

    def argv(spec_path: Path, port: int) -> list[str]:
        return [
            str(install.executable),
            "mock",
            str(spec_path),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "--verboseLevel",
            "error",
        ]

    return Contender(
        id="prism",
        label=f"Prism {install.version}{note}",
        kind="prism",
        command=argv,
        base_path="",  # Prism serves the paths at the root and ignores the servers' base path
        ready_path="/health",
        version=install.version,
    )


def ceiling_contender(spec: Path, *, version: str | None) -> Contender:
    """A bare Starlette endpoint under our uvicorn settings: the most a Python mock can do."""

    def argv(spec_path: Path, port: int) -> list[str]:
        return [sys.executable, "-m", "bench.ceiling", "--port", str(port)]

    return Contender(
        id="ceiling",
        label="ceiling: bare Starlette, fixed JSON",
        kind="ceiling",
        command=argv,
        base_path=spec_base_path(spec),
        ready_path="/health",
        fixed_status=200,
        version=version,
    )
