"""Load an OpenAPI document: read YAML or JSON, bundle external ``$ref``s, validate, normalize.

The result is one self-contained document whose references are all local (``#/...``) and
whose schemas are JSON Schema 2020-12 (see `mockserver.normalize`). Content of other files is
copied under ``x-bundled/<name>``, where ``<name>`` is the file's path relative to the root
document with ``/`` turned into ``_`` and ``..`` into ``parent`` (``schemas/user.json`` becomes
``#/x-bundled/schemas_user.json``). Only the parts that are referenced are copied, each at the
pointer it had in its file, so ``common.yaml#/components/schemas/Money`` becomes
``#/x-bundled/common.yaml/components/schemas/Money``. References stay references, so circular
schemas (within a file or across files) work.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
import yaml

from mockserver import pointer as jp
from mockserver.errors import SpecError, SpecReferenceError
from mockserver.lint import LintIssue, validation_problems
from mockserver.normalize import normalize

__all__ = ["BUNDLE_KEY", "Spec", "diagnose_spec", "load_spec"]

BUNDLE_KEY = "x-bundled"

try:
    from yaml import CSafeLoader as _BaseYamlLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseYamlLoader  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Spec:
    """A loaded OpenAPI document, bundled into one file and normalized to OpenAPI 3.1."""

    document: dict[str, Any]
    source: str
    openapi_version: str
    base_path: str


def load_spec(source: str | os.PathLike[str] | Mapping[str, Any], *, validate: bool = True) -> Spec:
    """Load, bundle, validate and normalize an OpenAPI 3.0 or 3.1 document.

    ``source`` is a file path (YAML or JSON, detected from the content) or an already parsed
    mapping, which is not modified; relative ``$ref``s of a mapping resolve against the
    working directory. With ``validate`` the document is checked against the OpenAPI schema
    and for duplicate operationIds and undeclared path parameters.

    Raises `SpecError` (`SpecReferenceError` for a broken ``$ref``) naming the file, the JSON
    pointer of the offending node and how to fix it.
    """
    return _load(source, validate=validate, problems=None)


def diagnose_spec(
    source: str | os.PathLike[str] | Mapping[str, Any],
) -> tuple[Spec | None, list[SpecError]]:
    """Load like `load_spec` but collect every problem instead of raising the first.

    The spec is None when the document cannot be read at all (missing file, syntax error,
    not OpenAPI 3.0/3.1); otherwise it is returned even when problems were found.
    """
    problems: list[SpecError] = []
    try:
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
    bundler = _Bundler(display, path, problems)
    document = bundler.run(raw)
    if validate:
        found = validation_problems(document, minor=version[2])
        if problems is not None:
            problems.extend(bundler.error(issue) for issue in found)
        elif found:
            raise bundler.error(found[0], more=len(found) - 1)
    normalize(document)
    try:
        base_path = _base_path(document, display)
    except SpecError as error:
        if problems is None:
            raise
        problems.append(error)
        base_path = ""
    return Spec(document, display, version, base_path)


# --- reading ---------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"


class _YamlLoader(_BaseYamlLoader):
    """Safe loader with YAML 1.2 scalars and keys kept as written (``200:`` is ``"200"``)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        own = sum(1 for key, _ in node.value if key.tag != _TAG + "merge")
        self.flatten_mapping(node)
        # Entries pulled in by `<<: *anchor` come first and may be overridden, not duplicated.
        merged = len(node.value) - own
        mapping: dict[Any, Any] = {}
        written: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            # The text as written: 200 stays "200", `on` stays "on", 1.10 stays "1.10".
            key = key_node.value
            if index >= merged:
                if key in written:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                written.add(key)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    try:
        # YAML 1.2: "012" is twelve (1.1 read it as octal ten); octal is spelled 0o12.
        return int(text, 10)
    except ValueError:
        return int(text, 0)


def _yaml12_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    # YAML 1.1 turns yes/no/on/off into booleans and 2024-01-01 into a date; OpenAPI documents
    # mean the strings (enum values, `example: 2024-01-01` for `format: date`).
    replaced = {_TAG + name for name in ("bool", "int", "float", "timestamp", "value")}
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in replaced]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    core = (
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
        (
            "float",
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            "-+0123456789.",
        ),
    )
    for name, pattern, first_chars in core:
        for first in first_chars:
            table.setdefault(first, []).append((_TAG + name, re.compile(pattern)))
    return {first: entries for first, entries in table.items() if entries}


_YamlLoader.yaml_implicit_resolvers = _yaml12_resolvers()
_YamlLoader.add_constructor(_TAG + "int", _construct_int)


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
    return display, Path(os.path.normpath(path.absolute())), _read_file(path, display)


def _read_file(path: Path, display: str) -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(
            "file not found",
            source=display,
            hint=f"check the path (relative paths start from the working directory {os.getcwd()})",
        ) from None
    except IsADirectoryError:
        raise SpecError(
            "is a directory", source=display, hint="pass the OpenAPI file inside it"
        ) from None
    except OSError as error:
        raise SpecError(
            f"cannot read the file: {error.strerror}",
            source=display,
            hint="check that the file exists and is readable",
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpecError(
            f"not UTF-8 text (invalid byte at offset {error.start})",
            source=display,
            hint="save the file as UTF-8",
        ) from None
    return _parse(text, display)


def _parse(text: str, display: str) -> Any:
    """Parse JSON or YAML, judged by the content rather than the file name."""
    if text.lstrip().startswith(("{", "[")):
        try:
            return orjson.loads(text)  # far faster than YAML for the same document
        except orjson.JSONDecodeError as json_error:
            try:  # JSON-like YAML (comments, trailing text) is still YAML
                return yaml.load(text, Loader=_YamlLoader)
            except yaml.YAMLError:
                raise SpecError(
                    f"invalid JSON: {json_error}",
                    source=display,
                    hint="fix the syntax at that position (a missing comma, quote or brace)",
                ) from None
    try:
        return yaml.load(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "syntax error"
        hint = "fix the syntax there (indentation, quoting, a missing ':' or '-')"
        if problem.startswith("duplicate key"):
            hint = "a key may appear once per mapping: merge the two entries or rename one"
        raise SpecError(f"invalid YAML{where}: {problem}", source=display, hint=hint) from None
    except yaml.YAMLError as error:
        raise SpecError(
            f"invalid YAML: {error}", source=display, hint="fix the YAML syntax"
        ) from None


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


# --- bundling --------------------------------------------------------------------------------

# How the bundler reads a mapping: OpenAPI/JSON Schema keywords, user-chosen names (property
# names, status codes, media types...), literal data where "$ref" is just data, or a
# discriminator mapping whose values may be references.
_KEYWORDS, _NAMES, _CALLBACKS, _LITERAL, _MAPPING = range(5)
_NAME_MAPS = frozenset(
    (
        *("paths", "webhooks", "schemas", "responses", "parameters", "examples"),
        *("requestBodies", "headers", "securitySchemes", "links", "pathItems", "properties"),
        *("patternProperties", "$defs", "definitions", "dependentSchemas", "content"),
        *("encoding", "variables"),
    )
)
_LITERAL_KEYWORDS = frozenset(("example", "default", "enum", "const", "value"))


def _child_context(context: int, key: str, value: Any) -> int:
    if context == _NAMES:
        return _KEYWORDS
    if context == _CALLBACKS:
        return _NAMES  # callback name -> Callback Object, itself a map of expressions
    if (
        key in _LITERAL_KEYWORDS
        or key.startswith("x-")
        or (key == "examples" and isinstance(value, list))
    ):
        return _LITERAL
    if key == "callbacks":
        return _CALLBACKS
    if key == "mapping":
        return _MAPPING
    return _NAMES if key in _NAME_MAPS and isinstance(value, dict) else _KEYWORDS


class _Bundler:
    """Copies the root document with every ``$ref`` made local, pulling in referenced files."""

    def __init__(self, display: str, path: Path | None, errors: list[SpecError] | None) -> None:
        self.display = display
        self.path = path
        self.base = path.parent if path else Path.cwd()
        self.errors = errors
        self.root: Mapping[str, Any] = {}
        self.files: dict[Path, Any] = {}
        self.failed: set[Path] = set()
        self.keys: dict[Path, str] = {}
        self.sources: dict[str, str] = {}
        self.placed: dict[Path, set[tuple[str, ...]]] = {}
        self.bundle: dict[str, Any] = {}
        self.queue: deque[tuple[Path, tuple[str, ...]]] = deque()
        self.ids: set[str] | None = None

    def run(self, root: Mapping[str, Any]) -> dict[str, Any]:
        self.root = root
        existing = root.get(BUNDLE_KEY)
        if isinstance(existing, dict):  # an already bundled document: keep its names free
            self.sources.update(dict.fromkeys(existing, self.display))
        document: dict[str, Any] = self._copy(root, None, [], _KEYWORDS)
        while self.queue:
            self._place(*self.queue.popleft())
        if self.bundle:
            kept = existing if isinstance(existing, dict) else {}
            document[BUNDLE_KEY] = {**_plain(kept), **self.bundle}
        return document

    def error(self, issue: LintIssue, *, more: int = 0) -> SpecError:
        """Turn an issue found in the bundled document into an error naming the original file."""
        source, pointer = self.display, issue.pointer
        prefix = f"/{BUNDLE_KEY}/"
        if pointer.startswith(prefix):
            key, _, rest = pointer[len(prefix) :].partition("/")
            file = self.sources.get(jp.unescape(key), self.display)
            if file != self.display:
                source, pointer = file, ("/" + rest if rest else "")
        message = issue.message
        if more:
            message += f" (and {more} more problems: `mockserver lint` lists them all)"
        return SpecError(message, source=source, pointer=pointer, hint=issue.hint)

    def _copy(self, node: Any, file: Path | None, path: list[str], context: int) -> Any:
        if isinstance(node, Mapping):
            copied: dict[str, Any] = {}
            for raw_key, value in node.items():
                key = raw_key if isinstance(raw_key, str) else _key_text(raw_key)
                if key == "$ref" and isinstance(value, str) and context != _LITERAL:
                    copied[key] = self._rewrite(value, file, path)
                    continue
                child = _child_context(context, key, value)
                if child == _LITERAL or context == _LITERAL:
                    copied[key] = _plain(value)
                elif context == _MAPPING and isinstance(value, str) and _is_reference(value):
                    copied[key] = self._rewrite(value, file, [*path, key])
                else:
                    path.append(key)
                    copied[key] = self._copy(value, file, path, child)
                    path.pop()
            return copied
        if isinstance(node, list | tuple):
            items = []
            for index, item in enumerate(node):
                path.append(str(index))
                items.append(self._copy(item, file, path, context))
                path.pop()
            return items
        return _plain(node)

    def _rewrite(self, ref: str, file: Path | None, path: list[str]) -> str:
        try:
            return self._resolve(ref, file, jp.join(path))
        except SpecError as error:
            if self.errors is None:
                raise
            self.errors.append(error)
            return ref

    def _resolve(self, ref: str, file: Path | None, at: str) -> str:
        """Check that ``ref`` (found in ``file`` at pointer ``at``) resolves; return it local."""
        where = self._display(file)
        url, _, fragment = ref.partition("#")
        target: Path | None = file
        if url:
            target = self._target_file(ref, url, file, at)
            if target is None and url in self._ids():
                return ref  # names a `$id` of a schema in this document
        pointer = jp.pointer_from_ref(fragment)
        if pointer and not pointer.startswith("/"):
            if not url:
                return ref  # a JSON Schema `$anchor` in this document
            raise SpecReferenceError(
                f"$ref {ref!r} uses an anchor in another file",
                source=where,
                pointer=at,
                hint="point at the schema with a JSON pointer instead: 'file.yaml#/path/to/it'",
            )
        content = self.root if target is None else self.files[target]
        try:
            jp.resolve(content, pointer)
        except jp.PointerError as error:
            raise SpecReferenceError(
                f"$ref {ref!r} points at nothing: in {self._display(target)}, {error}",
                source=where,
                pointer=at,
                hint=f"correct the $ref or add {pointer or '/'} to {self._display(target)}",
            ) from None
        if target is None:
            return jp.ref_from_pointer(pointer)
        self.queue.append((target, tuple(jp.split(pointer))))
        return jp.ref_from_pointer(f"/{BUNDLE_KEY}/{jp.escape(self._key(target))}{pointer}")

    def _target_file(self, ref: str, url: str, file: Path | None, at: str) -> Path | None:
        """Load the file ``url`` names (None for the root document or a known ``$id``)."""
        where = self._display(file)
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") or (len(parts.scheme) > 1 and parts.scheme != "file"):
            if url in self._ids():
                return None
            remote = parts.scheme in ("http", "https")
            raise SpecReferenceError(
                f"remote $ref {ref!r} is not supported"
                if remote
                else f"$ref {ref!r} uses the unsupported scheme '{parts.scheme}:'",
                source=where,
                pointer=at,
                hint="download the file next to the spec and reference it by relative path, "
                "e.g. $ref: './schemas/thing.yaml#/Thing'",
            )
        relative = Path(unquote(parts.path))
        base = self.base if file is None else file.parent
        target = Path(os.path.normpath(relative if parts.scheme == "file" else base / relative))
        if target == self.path:
            return None
        if target in self.failed:
            raise SpecReferenceError(
                f"$ref {ref!r} points at {self._display(target)}, which could not be loaded",
                source=where,
                pointer=at,
                hint="fix the error reported for that file",
            )
        if target not in self.files:
            if not target.is_file():
                self.failed.add(target)
                raise SpecReferenceError(
                    f"$ref {ref!r} points at a missing file {self._display(target)}",
                    source=where,
                    pointer=at,
                    hint=f"check the path: it is relative to the directory of {where}",
                )
            try:
                self.files[target] = _read_file(target, self._display(target))
            except SpecError:
                self.failed.add(target)
                raise
        return target

    def _place(self, file: Path, tokens: tuple[str, ...]) -> None:
        """Copy the referenced part of ``file`` into the bundle at the same pointer."""
        content = self.files[file]
        cut, node = len(tokens), content
        for index, token in enumerate(tokens):
            if not isinstance(node, Mapping):
                # A list on the way: copy it whole, as sparse lists cannot be built.
                cut = index
                break
            node = node[token]
        placement = tokens[:cut]
        placed = self.placed.setdefault(file, set())
        if any(placement[:n] in placed for n in range(len(placement) + 1)):
            return
        placed.difference_update({p for p in placed if p[: len(placement)] == placement})
        placed.add(placement)
        copied = self._copy(jp.resolve(content, placement), file, list(placement), _KEYWORDS)
        key = self._key(file)
        if not placement:
            self.bundle[key] = copied
            return
        container = self.bundle.setdefault(key, {})
        for token in placement[:-1]:
            container = container.setdefault(token, {})
        container[placement[-1]] = copied

    def _key(self, file: Path) -> str:
        if file not in self.keys:
            relative = os.path.relpath(file, self.base)
            parts = ["parent" if part == ".." else part for part in Path(relative).parts]
            name = re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(parts)) or "file"
            key, n = name, 2
            while key in self.sources:
                key, n = f"{name}_{n}", n + 1
            self.keys[file] = key
            self.sources[key] = self._display(file)
        return self.keys[file]

    def _display(self, file: Path | None) -> str:
        if file is None:
            return self.display
        relative = os.path.relpath(file)
        return str(file) if relative.startswith("..") else relative

    def _ids(self) -> set[str]:
        """The ``$id`` values declared in the root document (refs to them are not files)."""
        if self.ids is None:
            self.ids = set()
            stack: list[Any] = [self.root]
            while stack:
                node = stack.pop()
                if isinstance(node, Mapping):
                    if isinstance(node.get("$id"), str):
                        self.ids.add(node["$id"].partition("#")[0])
                    stack.extend(node.values())
                elif isinstance(node, list):
                    stack.extend(node)
        return self.ids


def _is_reference(value: str) -> bool:
    """Whether a discriminator mapping value is a reference rather than a schema name."""
    return "#" in value or "/" in value or value.endswith((".yaml", ".yml", ".json"))


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def _plain(value: Any) -> Any:
    """Copy literal data as JSON values (mappings from yaml.safe_load may hold dates, int keys)."""
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else _key_text(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
