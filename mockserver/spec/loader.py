"""Load an OpenAPI document: read YAML or JSON, bundle external ``$ref``s, validate, normalize.

The result is one self-contained document whose references are all local (``#/...``) and
whose schemas are JSON Schema 2020-12. Each step has its module: `mockserver.spec.files` reads
a file, `mockserver.spec.bundle` copies what other files contribute under ``x-bundled``,
`mockserver.spec.meta_validation` checks the document against the OpenAPI schemas and
`mockserver.spec.normalize` converts it.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import posixpath
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from mockserver.errors import SpecError
from mockserver.spec.bundle import BUNDLE_KEY, Bundler
from mockserver.spec.files import read_spec_file
from mockserver.spec.meta_validation import LintIssue, validation_problems
from mockserver.spec.normalize import Reread, normalize

__all__ = ["BUNDLE_KEY", "Spec", "diagnose_spec", "load_spec", "paused_gc"]


@dataclass(frozen=True, slots=True)
class Spec:
    """A loaded OpenAPI document, bundled into one file and normalized to OpenAPI 3.1."""

    document: dict[str, Any]
    source: str
    openapi_version: str
    base_path: str
    # What was wrong with the document and tolerated (loaded leniently): each names its place.
    issues: tuple[LintIssue, ...] = ()
    # Every object schema of the document as loaded, ``(pointer, schema)``: one walk, shared.
    schemas: tuple[tuple[str, dict[str, Any]], ...] | None = field(
        default=None, repr=False, compare=False
    )


def load_spec(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    validate: bool = True,
    strict: bool = False,
) -> Spec:
    """Load, bundle, validate and normalize an OpenAPI 3.0 or 3.1 document.

    ``source`` is a file path (YAML or JSON, detected from the content) or an already parsed
    mapping, which is not modified; relative ``$ref``s of a mapping resolve against the
    working directory. With ``validate`` the document is checked against the OpenAPI schema
    and for duplicate operationIds and undeclared path parameters.

    Leniently (the default) a problem confined to one place of the document does not refuse
    it: the problem is kept in `Spec.issues` and that place degrades (an unknown field is
    ignored, a pattern that is no regex is not enforced). With ``strict`` the first problem
    raises. A document that cannot be read at all always raises `SpecError`
    (`SpecReferenceError` for a broken ``$ref``) naming the file, the JSON pointer of the
    offending node and how to fix it.
    """
    with paused_gc():
        if strict:
            return _load(source, validate=validate, problems=None)
        problems: list[SpecError] = []
        spec = _load(source, validate=validate, problems=problems)
    issues = tuple(
        LintIssue("warning", problem.pointer, _message_of(problem), problem.hint)
        for problem in problems
    )
    return dataclasses.replace(spec, issues=spec.issues + issues)


def _message_of(error: SpecError) -> str:
    where = f"{error.source}#{error.pointer}" if error.pointer else error.source
    return str(error).removeprefix(f"{where}: ").split("\n  fix: ")[0]


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block (start-up work that builds a spec).

    Loading and compiling allocate hundreds of thousands of objects that all stay alive. Each
    allocation burst triggers a collection that walks every object alive so far, so start-up
    grew quadratically with the size of the spec; reference counting still frees garbage
    meanwhile, and the collector runs again once the block is left.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def diagnose_spec(
    source: str | os.PathLike[str] | Mapping[str, Any],
) -> tuple[Spec | None, list[SpecError]]:
    """Load like `load_spec` but collect every problem instead of raising the first.

    The spec is None when the document cannot be read at all (missing file, syntax error,
    not OpenAPI 3.0/3.1); otherwise it is returned even when problems were found.
    """
    problems: list[SpecError] = []
    try:
        with paused_gc():
            spec = _load(source, validate=True, problems=problems)
    except SpecError as error:
        return None, [*problems, error]
    return spec, problems


def _load(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    validate: bool,
    problems: list[SpecError] | None,
) -> Spec:
    display, path, raw = _read_root(source)
    if not isinstance(raw, Mapping):
        got = "nothing (the file is empty)" if raw is None else f"a {type(raw).__name__}"
        raise SpecError(
            f"expected a mapping (an OpenAPI object) at the top level, got {got}",
            source=display,
            hint="an OpenAPI document starts with `openapi: 3.1.0` followed by `info` and `paths`",
        )
    version = _check_version(raw, display)
    tolerated: tuple[LintIssue, ...] = ()
    bundler = Bundler(display, path, problems)
    document = bundler.run(raw, owned=path is not None)
    if validate:
        found = validation_problems(document, minor=version[2])
        errors = [issue for issue in found if issue.severity == "error"]
        if problems is not None:
            problems.extend(bundler.error(issue) for issue in found)
        elif errors:
            raise bundler.error(errors[0], more=len(errors) - 1)
        else:
            tolerated = tuple(issue for issue in found if issue.severity == "warning")
    dropped: list[Reread] = []
    schemas: list[tuple[str, dict[str, Any]]] = []
    normalize(document, dropped=dropped, schemas=schemas)
    if problems is not None:
        problems.extend(
            SpecError(reread.message, source=display, pointer=reread.pointer, hint=reread.hint)
            for reread in dropped
            if not any(reread.pointer in str(p) for p in problems)
        )
    try:
        base_path = _base_path(document, display)
    except SpecError as error:
        if problems is None:
            raise
        problems.append(error)
        base_path = ""
    return Spec(document, display, version, base_path, tolerated, tuple(schemas))


def _read_root(source: object) -> tuple[str, Path | None, Any]:
    if isinstance(source, Mapping):
        return "<dict>", None, source
    if not isinstance(source, str | os.PathLike):
        raise TypeError(f"expected a file path or a mapping, got source={source!r}")
    display = os.fspath(source)
    if not isinstance(display, str):
        raise TypeError(f"expected a str path, got source={source!r}")
    path = Path(display)
    if "\n" in display and not path.exists():
        raise SpecError(
            "this looks like document text, not a file path",
            source="<str>",
            hint="pass the path of the file, or parse the text yourself and pass the mapping",
        )
    return display, Path(os.path.normpath(path.absolute())), read_spec_file(path, display)


def _check_version(document: Mapping[str, Any], display: str) -> str:
    version = document.get("openapi")
    if version is None:
        if "swagger" in document:
            raise SpecError(
                f"Swagger {document['swagger']} documents are not supported",
                source=display,
                pointer="/swagger",
                hint=_CONVERT_SWAGGER,
            )
        raise SpecError(
            "missing the 'openapi' field, so this is not an OpenAPI 3 document",
            source=display,
            hint="add `openapi: 3.1.0` (or the 3.0.x version it follows) at the top level",
        )
    if not isinstance(version, str):
        raise SpecError(
            f"'openapi' must be a string such as \"3.1.0\", got {version!r}",
            source=display,
            pointer="/openapi",
            hint='quote the full version: openapi: "3.1.0" (YAML reads 3.1 as a number)',
        )
    if re.fullmatch(r"3\.[01]\.\d+(-.+)?", version) is None:
        hint = "mockserver serves OpenAPI 3.0.x and 3.1.x; declare the version the document follows"
        raise SpecError(
            f"unsupported OpenAPI version {version!r}",
            source=display,
            pointer="/openapi",
            hint=_CONVERT_SWAGGER if version.startswith("2") else hint,
        )
    return version


_CONVERT_SWAGGER = (
    "convert it to OpenAPI 3 first, e.g. `npx swagger2openapi swagger.yaml -o openapi.yaml` "
    "or https://converter.swagger.io"
)


def _base_path(document: dict[str, Any], display: str) -> str:
    """The path of ``servers[0].url`` with variables set to their defaults; ``""`` for ``/``."""
    servers = document.get("servers")
    if not (isinstance(servers, list) and servers and isinstance(servers[0], dict)):
        return ""
    url = servers[0].get("url")
    if not isinstance(url, str):
        return ""
    variables = servers[0].get("variables")
    variables = variables if isinstance(variables, dict) else {}

    def substitute(match: re.Match[str]) -> str:
        variable = variables.get(match[1])
        if isinstance(variable, dict) and "default" in variable:
            return str(variable["default"])
        return match[0]

    url = re.sub(r"\{([^{}]*)\}", substitute, url)
    parts = urlsplit(url)
    path = parts.path if (parts.scheme or parts.netloc) else url.split("?")[0].split("#")[0]
    unresolved = re.search(r"\{([^{}]*)\}", path)
    if unresolved:
        raise SpecError(
            f"server variable '{unresolved[1]}' in the URL path has no default",
            source=display,
            pointer="/servers/0/url",
            hint=f"add servers[0].variables.{unresolved[1]}.default",
        )
    path = posixpath.normpath("/" + unquote(path).lstrip("/"))
    return "" if path == "/" else path
