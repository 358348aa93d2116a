"""Diff two documents operation by operation: the entry point of the comparison.

Paths are matched by their template with the parameter names left out, so ``/a/{id}`` and
``/a/{aid}`` are one path; then each operation present in both is compared: parameters and
request body (`mockserver.diff.requests`), responses (`mockserver.diff.responses`), its
security requirement (`mockserver.diff.security`), its lifecycle (`mockserver.diff.lifecycle`)
and its callbacks; then the webhooks (both in `mockserver.diff.callbacks`).
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.diff.callbacks import compare_callbacks, compare_webhooks
from mockserver.diff.lifecycle import compare_lifecycle, removal_note
from mockserver.diff.model import Finding, Findings
from mockserver.diff.requests import Endpoint, compare_parameters, compare_request_bodies
from mockserver.diff.responses import compare_responses
from mockserver.diff.security import compare_security
from mockserver.spec import pointer as jp
from mockserver.spec.loader import Spec
from mockserver.spec.normalize import HTTP_METHODS

__all__ = ["diff_documents", "diff_specs"]


def diff_specs(old: Spec, new: Spec) -> list[Finding]:
    """Every change from ``old`` to ``new`` (loaded with `load_spec`), most severe first."""
    return diff_documents(old.document, new.document)


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    """Every change from ``old`` to ``new``, bundled and normalized documents (`Spec.document`)."""
    out = Findings()
    documents = (old, new)
    old_paths, new_paths = _paths(old), _paths(new)
    matched = _match(old_paths, new_paths)
    for template, (item, at) in old_paths.items():
        if template not in matched:
            out.operation = template
            operations = [item[m] for m in HTTP_METHODS if isinstance(item.get(m), dict)]
            message = (
                f"path {template} was removed with its operations ({_methods(item)}) "
                f"{removal_note(operations)}"
            )
            out.add("path-removed", at, _paths_at(new), message)
    for template, (item, at) in new_paths.items():
        if template not in matched.values():
            out.operation = template
            message = f"path {template} was added ({_methods(item)})"
            out.add("path-added", _paths_at(old), at, message)
    for old_template, new_template in matched.items():
        old_item, new_item = old_paths[old_template], new_paths[new_template]
        for method in HTTP_METHODS:
            out.operation = f"{method.upper()} {new_template}"
            in_old = isinstance(old_item[0].get(method), dict)
            in_new = isinstance(new_item[0].get(method), dict)
            if in_old and not in_new:
                note = removal_note([old_item[0][method]])
                message = f"{method.upper()} {old_template} was removed {note}"
                out.add("operation-removed", f"{old_item[1]}/{method}", new_item[1], message)
            elif in_new and not in_old:
                message = f"{method.upper()} {new_template} was added"
                out.add("operation-added", old_item[1], f"{new_item[1]}/{method}", message)
            elif in_old and in_new:
                before = _endpoint(old_item, old_template, method)
                after = _endpoint(new_item, new_template, method)
                _compare_operation(documents, out, before, after)
    compare_webhooks(documents, out)
    return out.result()


def _compare_operation(
    documents: tuple[Any, Any], out: Findings, old: Endpoint, new: Endpoint
) -> None:
    compare_parameters(documents, out, old, new)
    compare_request_bodies(documents, out, old[0], new[0])
    compare_responses(documents, out, old[0], new[0])
    compare_security(documents, out, old[0], new[0])
    compare_lifecycle(documents, out, old[0], new[0])
    compare_callbacks(documents, out, old[0], new[0])


def _paths(document: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return {}
    found = {}
    for template, item in paths.items():
        pointer = f"/paths/{jp.escape(str(template))}"
        pointer, node = jp.follow(document, item, pointer)
        if isinstance(node, dict):
            found[str(template)] = (node, pointer)
    return found


def _paths_at(document: dict[str, Any]) -> str:
    """Where a path is missing: ``/paths``, or the root of a document without them."""
    return "/paths" if isinstance(document.get("paths"), dict) else ""


def _shape(template: str) -> str:
    """``/a/{id}`` -> ``/a/{}``: what a path matches, whatever its parameters are named."""
    return re.sub(r"\{[^{}]*\}", "{}", template)


def _match(
    old: dict[str, tuple[dict[str, Any], str]], new: dict[str, tuple[dict[str, Any], str]]
) -> dict[str, str]:
    """The old template -> new template of the paths in both documents."""
    matched = {template: template for template in old if template in new}
    taken = set(matched.values())
    by_shape: dict[str, list[str]] = {}
    for template in new:
        if template not in taken:
            by_shape.setdefault(_shape(template), []).append(template)
    for template in old:
        if template in matched:
            continue
        candidates = by_shape.get(_shape(template), [])
        if len(candidates) == 1:  # ambiguous shapes stay unmatched: removed and added
            matched[template] = candidates.pop()
    return matched


def _endpoint(item: tuple[dict[str, Any], str], template: str, method: str) -> Endpoint:
    node, at = item
    return (node[method], f"{at}/{method}"), item, template


def _methods(item: dict[str, Any]) -> str:
    methods = [method.upper() for method in HTTP_METHODS if isinstance(item.get(method), dict)]
    return ", ".join(methods) or "no operations"
