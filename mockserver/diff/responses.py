"""Compare what an operation answers: its statuses, and per 2xx status its media types, headers
and body schemas (compared on the response side by `mockserver.diff.schemas`)."""

from __future__ import annotations

from typing import Any

from mockserver.diff.model import Findings, Subject
from mockserver.diff.requests import media_types
from mockserver.diff.schemas import compare_contents
from mockserver.diff.views import Located, resolve
from mockserver.spec import pointer as jp

__all__ = ["compare_responses"]


def compare_responses(
    documents: tuple[Any, Any], out: Findings, old: Located, new: Located
) -> None:
    """Add to ``out`` the statuses removed or added and the changes of each 2xx answer."""
    before = _responses(documents[0], *old)
    after = _responses(documents[1], *new)
    old_at, new_at = f"{old[1]}/responses", f"{new[1]}/responses"
    for status in sorted(before.keys() - after.keys()):
        if _success(status):
            message = f"status {status} was removed; clients expecting it get another"
            out.add(
                "response-success-status-removed", before[status][1], new_at, message,
                Subject("response", status),
            )  # fmt: skip
        elif _error(status):
            message = f"error status {status} was removed"
            out.add(
                "response-error-status-removed", before[status][1], new_at, message,
                Subject("response", status),
            )  # fmt: skip
    for status in sorted(after.keys() - before.keys()):
        if _success(status):
            message = f"success status {status} was added; clients may not expect it"
            out.add(
                "response-success-status-added", old_at, after[status][1], message,
                Subject("response", status),
            )  # fmt: skip
        elif _error(status):
            message = f"error status {status} was added; clients may not handle it"
            out.add(
                "response-error-status-added", old_at, after[status][1], message,
                Subject("response", status),
            )  # fmt: skip
    for status in sorted(before.keys() & after.keys()):
        if _success(status):
            _compare_answer(documents, out, status, before[status], after[status])


def _responses(document: Any, operation: Any, at: str) -> dict[str, Located]:
    responses = operation.get("responses") if isinstance(operation, dict) else None
    if not isinstance(responses, dict):
        return {}
    found = {}
    for status, response in responses.items():
        node, pointer = resolve(document, response, f"{at}/responses/{jp.escape(str(status))}")
        if isinstance(node, dict):
            found[str(status).upper()] = (node, pointer)
    return found


def _success(status: str) -> bool:
    return status.startswith("2")


def _error(status: str) -> bool:
    return status.startswith(("4", "5"))


def _compare_answer(
    documents: tuple[Any, Any], out: Findings, status: str, old: Located, new: Located
) -> None:
    (o, o_at), (n, n_at) = old, new
    before, after = media_types(o), media_types(n)
    answer = Subject("response", status)
    for media in sorted(before.keys() - after.keys()):
        message = f"the {status} response no longer comes as {media}"
        gone = f"{o_at}/content/{jp.escape(media)}"
        out.add("response-media-type-removed", gone, n_at, message, answer)
    for media in sorted(after.keys() - before.keys()):
        message = f"the {status} response may now come as {media}"
        added = f"{n_at}/content/{jp.escape(media)}"
        out.add("response-media-type-added", o_at, added, message, answer)
    compare_contents(
        documents, out, (before, o_at), (after, n_at),
        direction="response", what=lambda media: f"the {status} response body ({media})",
        subject=answer,
    )  # fmt: skip
    old_headers, new_headers = _headers(o, o_at), _headers(n, n_at)
    for name in sorted(old_headers.keys() - new_headers.keys()):
        message = f"the {status} response no longer declares header {name}; clients may read it"
        header = Subject("response-header", status, name)
        out.add("response-header-removed", old_headers[name], n_at, message, header)
    for name in sorted(new_headers.keys() - old_headers.keys()):
        message = f"the {status} response declares a new header {name}"
        header = Subject("response-header", status, name)
        out.add("response-header-added", o_at, new_headers[name], message, header)


def _headers(response: dict[str, Any], at: str) -> dict[str, str]:
    """The pointers of a response's declared headers, by name in lower case."""
    headers = response.get("headers")
    if not isinstance(headers, dict):
        return {}
    return {
        str(name).lower(): f"{at}/headers/{jp.escape(str(name))}"
        for name in headers
        if str(name).lower() != "content-type"  # ignored by OpenAPI when declared
    }
