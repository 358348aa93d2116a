"""Serve one document in-process and send a valid GET to every operation; judge the answers.

A document passes when it starts (leniently: defects degrade their part), no answer is a 5xx
(an operation that declares nothing but 5xx answers excepted) and every 2xx JSON body is valid
against the schema its operation declares for that status, checked by the ``jsonschema``
package against the document's response view, independently of the mock's validators.

``format`` is an annotation there, as JSON Schema says by default; the mock asserts it. A body
valid only when formats are asserted (a ``oneOf`` whose branches differ by a format alone, and
no value tells them apart otherwise: sinao.app's ``format: uri`` or ``binary`` strings) is the
spec's ambiguity, not the mock's fault: it is reported apart (`SpecReport.ambiguous`), never
passed silently.
"""

from __future__ import annotations

import asyncio
import re
import time
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import jsonschema_rs
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from corpus.requests import Unprobeable, build_body, build_request
from mockserver import create_app, load_spec
from mockserver.compile.operations import declared_response
from mockserver.errors import MockServerError
from mockserver.server.compiler import CompiledOperation
from mockserver.server.engine import Engine
from mockserver.spec.pointer import ref_from_pointer

__all__ = ["SpecReport", "probe"]

_URI = "urn:corpus:document"
_AMBIGUOUS = "valid only with `format` asserted (the spec's ambiguity): "


@dataclass(slots=True)
class SpecReport:
    """What probing one document found."""

    path: str
    mode: str  # "stateful" or "stateless"
    started: bool = True
    refused: str = ""  # why it did not start
    operations: int = 0  # operations served
    degraded: int = 0  # operations left out for a defect of their own
    probed: int = 0  # GET operations sent a request
    skipped: int = 0  # GET operations no defined request exists for (see Unprobeable)
    unprobeable: list[str] = field(default_factory=list)  # each skipped one, and why
    ok: int = 0  # answers without a failure
    failures: list[str] = field(default_factory=list)
    server_errors: int = 0  # of the failures, answers with a 5xx the operation does not declare
    # Bodies valid only with `format` asserted, as the mock reads it (the spec's ambiguity).
    ambiguous: list[str] = field(default_factory=list)
    seconds: float = 0.0
    slowest: str = ""  # the GET that took longest to answer, and how long

    @property
    def passed(self) -> bool:
        """Started, and no answer failed."""
        return self.started and not self.failures

    def fail(self, operation: str, failure: str) -> None:
        """Count ``operation``'s answer as failed; ``failure`` starts with its status."""
        self.failures.append(f"{operation}: {failure}")
        self.server_errors += failure[:1] == "5"


class _Bodies:
    """Checks bodies against the response view's schemas with the ``jsonschema`` package."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(dict(document), default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(_URI, resource)
        self._ecma: jsonschema_rs.Registry | None = None

    def _ecma_problem(self, pointer: str, body: Any, *, formats: bool = False) -> str | None:
        if self._ecma is None:
            self._ecma = jsonschema_rs.Registry([(_URI, dict(self.document))])
        target = {"$ref": _URI + ref_from_pointer(pointer)}
        validator = jsonschema_rs.validator_for(
            target, registry=self._ecma, validate_formats=formats
        )
        error = next(iter(validator.iter_errors(body)), None)
        return None if error is None else f"body: {error.message[:200]}"

    def valid_with_formats(self, pointer: str, body: Any) -> bool:
        """Whether ``body`` is valid at ``pointer`` with ``format`` asserted, as the mock reads
        it (jsonschema-rs, whose formats the mock's validators use)."""
        try:
            return self._ecma_problem(pointer, body, formats=True) is None
        except (ValueError, jsonschema_rs.ReferencingError):
            return False

    def problem(self, schema: Any, pointer: str, body: Any) -> str | None:
        """Why ``body`` does not fit ``schema`` (found at ``pointer``), or None."""
        if schema is None or schema is True:
            return None
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{_URI}#{pointer}"}, registry=self.registry
        )
        try:
            with warnings.catch_warnings():
                # A pattern Python's re reads with a FutureWarning ("possible nested set"):
                # the spec's defect, not the answer's; under pytest warnings are errors.
                warnings.simplefilter("ignore", FutureWarning)
                error = jsonschema.exceptions.best_match(validator.iter_errors(body))
        except re.error:
            # A pattern Python's re cannot read (\p{L}: ECMA-262, as JSON Schema means it):
            # judge this body with jsonschema-rs, whose regex engine reads ECMA patterns.
            return self._ecma_problem(pointer, body)
        except jsonschema.exceptions.UnknownType:
            # `type` holding no type name (codat.io: `{"type": {"enum": [...]}}`, a property
            # without its `properties`): a defect the mock ignores, leniently, and lint lists;
            # no body can break it.
            return None
        except (Unresolvable, jsonschema.exceptions.SchemaError, RecursionError) as exc:
            return f"schema cannot be checked: {type(exc).__name__}"
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path)
        return f"body /{where}: {error.message[:200]}"


def probe(path: Path, *, stateful: bool) -> SpecReport:
    """Serve ``path`` in-process and probe every GET operation."""
    report = SpecReport(str(path), "stateful" if stateful else "stateless")
    started = time.perf_counter()
    try:
        app = create_app(load_spec(path), seed=1, stateful=stateful)
    except (MockServerError, OSError) as exc:
        report.started, report.refused = False, str(exc).splitlines()[0][:300]
        return report
    except Exception as exc:  # a crash at start-up is a bug of ours: report it, go on
        report.started = False
        report.refused = f"crash: {type(exc).__name__}: {exc}"[:300]
        report.failures.append(traceback.format_exc(limit=3)[-600:])
        return report
    engine: Engine = app.state.engine
    report.operations, report.degraded = len(engine.operations), len(engine.degraded)
    bodies = _Bodies(engine.responses_document)
    gets = [c for c in engine.operations if c.operation.method == "get"]
    asyncio.run(_probe_all(app, engine, gets, bodies, report))
    report.seconds = time.perf_counter() - started
    return report


async def _probe_all(
    app: Any,
    engine: Engine,
    gets: list[CompiledOperation],
    bodies: _Bodies,
    report: SpecReport,
) -> None:
    transport = httpx.ASGITransport(app=app)
    longest = 0.0
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        for compiled in gets:
            try:
                path, query, headers = build_request(engine, compiled)
                body = build_body(engine, compiled)
            except Unprobeable as exc:
                report.skipped += 1
                report.unprobeable.append(f"{compiled.operation.label}: {exc}"[:300])
                continue
            except Exception as exc:  # one document must not end the whole corpus run
                report.probed += 1
                report.failures.append(f"{compiled.operation.label}: cannot build: {exc!r}"[:300])
                continue
            report.probed += 1
            try:
                if body is not None:
                    headers = {**headers, "Content-Type": body[0]}
                sent = time.perf_counter()
                response = await client.request(
                    "GET", path, params=query, headers=headers, content=body[1] if body else None
                )
            except Exception as exc:  # a request we cannot even build is ours to fix too
                report.failures.append(f"{compiled.operation.label}: cannot probe: {exc!r}"[:300])
                continue
            took = time.perf_counter() - sent
            if took > longest:
                longest, report.slowest = took, f"{compiled.operation.label}: {took:.2f} s"
            failure = _judge(engine, compiled, response, bodies)
            if failure is None:
                report.ok += 1
            elif failure.startswith(_AMBIGUOUS):
                report.ambiguous.append(f"{compiled.operation.label}: {failure}")
            else:
                report.fail(compiled.operation.label, failure)


def _judge(
    engine: Engine, compiled: CompiledOperation, response: httpx.Response, bodies: _Bodies
) -> str | None:
    status = response.status_code
    if status >= 500 and compiled.responder.default_status < 500:
        return f"{status} {response.text[:200]}"
    if status == 400 and _refused_by_us(engine, response):
        return f"400 for a request built to be valid: {response.text[:200]}"
    if not 200 <= status < 300 or "json" not in response.headers.get("content-type", ""):
        return None
    if response.headers.get("warning", "").startswith('199 mockserver "no value satisfies'):
        return None  # the schema admits no value: the mock says so, and lint names it
    operation = compiled.responder.operation
    declared = declared_response(operation, status)
    if declared is None:
        return f"{status} is not declared by the operation"
    media = next(
        (m for name, m in declared.content.items() if name in response.headers["content-type"]),
        next(iter(declared.content.values()), None),
    )
    if media is None or media.schema is None:
        return None
    try:
        body = response.json()
    except ValueError:
        return f"{status} body is not JSON: {response.text[:100]}"
    pointer = media.pointer + "/schema"
    problem = bodies.problem(media.schema, pointer, body)
    if problem is not None and bodies.valid_with_formats(pointer, body):
        return f"{_AMBIGUOUS}{problem}"
    return problem


def _refused_by_us(engine: Engine, response: httpx.Response) -> bool:
    """The engine's own validation problem (named as the spec names its problems, if it does)."""
    try:
        body = response.json()
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    kind = str(body.get("type", ""))
    return kind.startswith("urn:mockserver:") or kind == engine.problems.type_of(
        400, "validation_failed"
    )
