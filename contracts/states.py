"""The provider-state definitions of ``contracts/states.yaml``: loaded, checked, bound.

Both state endpoints read them: the mock (``mockserver/provider_states.py``) and the reference
provider (``provider/states.py``). This module knows no storage: it turns a state change
``{"state", "params"}`` into the steps to run (users, records, API requests) with their
templates resolved, and the answer the verifier injects. Each side materializes the steps its
own way. It depends on PyYAML and the standard library only.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

from contracts.errors import ContractsError

__all__ = [
    "DEFAULT_STATES",
    "MISSING",
    "Client",
    "Param",
    "RecordStep",
    "RequestStep",
    "StateDefinition",
    "StateDefinitionError",
    "StateDefinitions",
    "StateError",
    "Step",
    "UserStep",
    "load_states",
    "render",
    "run_request_step",
]

DEFAULT_STATES = Path(__file__).resolve().with_name("states.yaml")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\}")


class _Missing:
    """An optional param that was not given: the field holding it is left out."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class StateDefinitionError(ContractsError):
    """The definitions file is malformed; the message names the state and the key."""


class StateError(ContractsError, ValueError):
    """A state change the definitions refuse: unknown state, unknown or invalid param."""


@dataclass(frozen=True, slots=True)
class Param:
    """One param of a state: its default (MISSING: optional), allowed values and format."""

    name: str
    default: Any = MISSING
    enum: tuple[Any, ...] = ()
    format: str | None = None

    def check(self, value: Any) -> Any:
        """``value`` if it is allowed; `StateError` naming the param otherwise."""
        if self.enum and value not in self.enum:
            allowed = ", ".join(map(str, self.enum))
            raise StateError(f"expected param {self.name} to be one of {allowed}, got {value!r}")
        if self.format == "uuid":
            try:
                return str(uuid.UUID(str(value)))
            except ValueError:
                raise StateError(
                    f"expected param {self.name} to be a UUID, got {value!r}"
                ) from None
        return value


@dataclass(frozen=True, slots=True)
class UserStep:
    """An account with these fields (``email``, ``password``, ``name``, ``status``), logged in."""

    alias: str
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RecordStep:
    """A record of the spec collection ``collection`` (``/projects/{projectId}/tasks``)."""

    alias: str
    collection: str
    owner: str | None
    parents: Mapping[str, Any]
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RequestStep:
    """A request made through the API as ``user``; path relative to the base path."""

    alias: str
    user: str
    method: str
    path: str
    headers: Mapping[str, Any]
    body: Any
    expect: int | None = None  # the status it must answer; None: any success


Step = UserStep | RecordStep | RequestStep


class Client(Protocol):
    """What running a request step needs of an HTTP client (an ``httpx.AsyncClient``)."""

    async def request(
        self, method: str, url: str, *, headers: dict[str, str], json: Any
    ) -> Any: ...


async def run_request_step(
    client: Client, step: RequestStep, context: Mapping[str, Any], *, prefix: str = ""
) -> dict[str, Any]:
    """Send ``step`` as its user through ``client`` (paths under ``prefix``); its answer.

    Raises `StateError` naming the step when the server answers an error (or, with ``expect``,
    any other status than that one: a state may need a refused request, such as failed logins).
    """
    headers = {str(k): str(v) for k, v in render(dict(step.headers), context).items()}
    headers["Authorization"] = f"Bearer {context[step.user]['accessToken']}"
    response = await client.request(
        step.method,
        prefix + str(render(step.path, context)),
        headers=headers,
        json=render(step.body, context),
    )
    answered = response.json() if response.content else {}
    if step.expect is not None:
        as_expected = response.status_code == step.expect
    else:
        as_expected = response.status_code < 400
    if not as_expected:
        detail = answered.get("detail", response.text) if isinstance(answered, dict) else ""
        raise StateError(
            f"request step {step.alias} ({step.method} {step.path}) answered "
            f"{response.status_code}: {detail}"
        )
    return {"status": response.status_code, **(answered if isinstance(answered, dict) else {})}


@dataclass(frozen=True, slots=True)
class StateDefinition:
    """One named provider state."""

    name: str
    description: str
    params: Mapping[str, Param]
    steps: tuple[Step, ...]
    answers: Mapping[str, Any]
    reset: bool = False

    def bind(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """The template context: the params (checked, defaults filled) and ``now``."""
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            known = ", ".join(sorted(self.params)) or "none"
            raise StateError(
                f"state {self.name!r} takes no param {', '.join(unknown)}; its params: {known}"
            )
        context: dict[str, Any] = {
            "now": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        }
        for name, param in self.params.items():
            context[name] = param.check(given[name]) if name in given else param.default
        return context

    def answer(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """What the state change endpoint answers once every step ran."""
        values = render(dict(self.answers), context)
        assert isinstance(values, dict)
        return values


class StateDefinitions(Mapping[str, StateDefinition]):
    """The states of one definitions file, by name."""

    def __init__(self, states: Mapping[str, StateDefinition], source: Path) -> None:
        self._states = dict(states)
        self.source = source

    def __getitem__(self, name: str) -> StateDefinition:
        return self._states[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)

    def definition(self, name: str) -> StateDefinition:
        """The state ``name``; `StateError` listing the known states otherwise."""
        try:
            return self._states[name]
        except KeyError:
            known = ", ".join(sorted(self._states))
            raise StateError(
                f"unknown provider state {name!r}; known: {known} (defined in {self.source})"
            ) from None


def render(template: Any, context: Mapping[str, Any]) -> Any:
    """Resolve ``{param}``/``{alias.field}`` placeholders; MISSING values drop their keys."""
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole:
            return _lookup(whole.group(1), context)
        return _PLACEHOLDER.sub(lambda m: str(_lookup(m.group(1), context)), template)
    if isinstance(template, Mapping):
        rendered = {str(k): render(v, context) for k, v in template.items()}
        return {k: v for k, v in rendered.items() if v is not MISSING}
    if isinstance(template, list):
        return [render(item, context) for item in template]
    return template


def _lookup(path: str, context: Mapping[str, Any]) -> Any:
    head, _, rest = path.partition(".")
    if head not in context:
        raise StateError(f"template refers to {{{path}}}, which no param or step defines")
    value = context[head]
    if rest:
        if not isinstance(value, Mapping) or rest not in value:
            raise StateError(f"template refers to {{{path}}}, which step {head!r} did not produce")
        return value[rest]
    return value


def load_states(path: str | Path | None = None) -> StateDefinitions:
    """Load and check a definitions file (``contracts/states.yaml`` by default)."""
    source = Path(path) if path is not None else DEFAULT_STATES
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise StateDefinitionError(f"cannot read provider states {source}: {exc}") from exc
    if not isinstance(document, Mapping) or not isinstance(document.get("states"), Mapping):
        raise StateDefinitionError(f"{source}: expected a mapping with `states: {{name: ...}}`")
    states = {
        str(name): _state(str(name), body, source) for name, body in document["states"].items()
    }
    return StateDefinitions(states, source)


def _state(name: str, body: Any, source: Path) -> StateDefinition:
    where = f"{source}: state {name!r}"
    if not isinstance(body, Mapping):
        raise StateDefinitionError(f"{where}: expected a mapping")
    params: dict[str, Param] = {}
    for param, spec in (body.get("params") or {}).items():
        spec = spec or {}
        if not isinstance(spec, Mapping) or set(spec) - {"default", "enum", "format"}:
            raise StateDefinitionError(
                f"{where}: param {param!r} takes only default, enum and format"
            )
        params[str(param)] = Param(
            str(param),
            spec.get("default", MISSING),
            tuple(spec.get("enum") or ()),
            spec.get("format"),
        )
    steps = tuple(
        _step(step, f"{where}: step {i}") for i, step in enumerate(body.get("steps") or [])
    )
    seen_request = False
    for step in steps:
        if isinstance(step, RequestStep):
            seen_request = True
        elif seen_request:
            raise StateDefinitionError(f"{where}: request steps must come after every other step")
    answers = body.get("answers") or {}
    if not isinstance(answers, Mapping):
        raise StateDefinitionError(f"{where}: answers must be a mapping of name -> template")
    description = str(body.get("description", ""))
    return StateDefinition(name, description, params, steps, answers, bool(body.get("reset")))


def _step(step: Any, where: str) -> Step:
    if not isinstance(step, Mapping):
        raise StateDefinitionError(f"{where}: expected a mapping")
    if "user" in step and "request" not in step:
        fields = {k: v for k, v in step.items() if k != "user"}
        return UserStep(str(step["user"]), fields)
    if "record" in step:
        if "as" not in step:
            raise StateDefinitionError(f"{where}: a record step needs `as: <alias>`")
        return RecordStep(
            alias=str(step["as"]),
            collection=str(step["record"]),
            owner=step.get("owner"),
            parents=dict(step.get("parents") or {}),
            fields=dict(step.get("fields") or {}),
        )
    if "request" in step:
        missing = {"user", "method", "path"} - set(step)
        if missing:
            raise StateDefinitionError(
                f"{where}: a request step needs {', '.join(sorted(missing))}"
            )
        return RequestStep(
            alias=str(step["request"]),
            user=str(step["user"]),
            method=str(step["method"]).upper(),
            path=str(step["path"]),
            headers=dict(step.get("headers") or {}),
            body=step.get("body"),
            expect=int(step["expect"]) if "expect" in step else None,
        )
    raise StateDefinitionError(f"{where}: expected a user, record or request step")
