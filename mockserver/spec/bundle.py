"""Bundle external ``$ref``s: copy what other files contribute into the one root document."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

from mockserver.errors import SpecError, SpecReferenceError
from mockserver.spec import pointer as jp
from mockserver.spec.files import read_spec_file
from mockserver.spec.meta_validation import LintIssue

__all__ = ["BUNDLE_KEY", "Bundler"]

# Content of other files is copied under ``x-bundled/<name>``, where ``<name>`` is the file's
# path relative to the root document with ``/`` turned into ``_`` and ``..`` into ``parent``
# (``schemas/user.json`` becomes ``#/x-bundled/schemas_user.json``). Only the parts that are
# referenced are copied, each at the pointer it had in its file, so
# ``common.yaml#/components/schemas/Money`` becomes
# ``#/x-bundled/common.yaml/components/schemas/Money``. References stay references, so
# circular schemas (within a file or across files) work.
BUNDLE_KEY = "x-bundled"

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


class Bundler:
    """Copies the root document with every ``$ref`` made local, pulling in referenced files.

    ``display`` names the root document in errors and ``path`` locates it (``None`` for a
    mapping: relative ``$ref``s then resolve against the working directory). With an
    ``errors`` list, broken references are collected there instead of raised.
    """

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

    def run(self, root: Mapping[str, Any], *, owned: bool = False) -> dict[str, Any]:
        """A copy of ``root`` whose every ``$ref`` is local, with other files under BUNDLE_KEY.

        With ``owned`` (the caller parsed ``root`` and hands it over), a document that is
        plain JSON with only local ``$ref``s that all resolve is returned as it is: there is
        nothing to bundle, and copying a big document node by node cost a third of loading it.
        """
        if owned and self._self_contained(root):
            assert isinstance(root, dict)
            return root
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

    def _self_contained(self, root: Mapping[str, Any]) -> bool:
        """Plain JSON (string keys, no dates), no bundle yet, and every reference local and live."""
        if not isinstance(root, dict) or BUNDLE_KEY in root:
            return False
        try:
            text = orjson.dumps(root, option=orjson.OPT_PASSTHROUGH_DATETIME, default=_refuse)
        except (TypeError, orjson.JSONEncodeError):
            return False  # YAML's dates or integer keys: the copy turns them into JSON
        for mapping in _MAPPINGS.findall(text):
            values = orjson.loads(mapping).values()
            if any(not isinstance(v, str) or not _local(v) for v in values):
                return False
        targets = jp.local_ref_targets(root)
        if targets is None:
            return False
        for target in targets:
            try:
                jp.resolve(root, target)
            except jp.PointerError:
                return False  # the copy says where the broken reference is
        return True

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
        return SpecError(
            message, source=source, pointer=pointer, hint=issue.hint, severity=issue.severity
        )

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
            meant = jp.canonical(content, pointer)
            if meant is not None:
                self._through_refs(ref, meant, where, at)
                return self._resolve(f"{url}#{jp.ref_from_pointer(meant)[1:]}", file, at)
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

    def _through_refs(self, ref: str, meant: str, where: str, at: str) -> None:
        """Note a ``$ref`` whose pointer passes through another ``$ref`` (read as ``meant``)."""
        if self.errors is not None:
            self.errors.append(
                SpecReferenceError(
                    f"$ref {ref!r} passes through another $ref: read as {meant!r}",
                    source=where,
                    pointer=at,
                    hint=f"point at {jp.ref_from_pointer(meant)!r} directly",
                    severity="warning",
                )
            )

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
                self.files[target] = read_spec_file(target, self._display(target))
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


# Discriminator mappings: their values are schema names or references (maybe to other files).
_MAPPINGS = re.compile(rb'"mapping":(\{[^{}]*\})')


def _local(value: str) -> bool:
    return not _is_reference(value) or value.startswith("#")


def _refuse(value: Any) -> Any:
    raise TypeError(f"not JSON: {value!r}")
