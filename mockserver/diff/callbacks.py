"""Compare what the API sends: OpenAPI 3.1 ``webhooks`` and the ``callbacks`` of operations.

A webhook or a callback is an operation with the roles reversed: the API sends the request and
the client's server receives it and answers. So what breaks is reversed too. The request (its
parameters and body) is what receivers parse: it is compared with the response rules (a
property removed, a type widened, null allowed, an enum value added break receivers; a
required property added does not), and a parameter or a body the API no longer sends, or may
now leave out, breaks receivers that read it. The answer is what receivers send back: it is
compared with the request rules (a schema that accepts less refuses what they answer), and a
2xx status removed may turn their answer into a failed delivery. A webhook or callback removed
leaves receivers waiting for events that never come.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.diff.model import Findings, Subject
from mockserver.diff.requests import media_types
from mockserver.diff.schemas import compare_contents, compare_schemas
from mockserver.diff.views import Located, resolve
from mockserver.spec import pointer as jp
from mockserver.spec.normalize import HTTP_METHODS

__all__ = ["compare_callbacks", "compare_webhooks"]


def compare_webhooks(documents: tuple[Any, Any], out: Findings) -> None:
    """Add to ``out`` the webhooks (``/webhooks``) removed, added or changed."""
    before = _items(documents[0], documents[0].get("webhooks"), "/webhooks")
    after = _items(documents[1], documents[1].get("webhooks"), "/webhooks")
    old_at = "/webhooks" if "webhooks" in documents[0] else ""
    new_at = "/webhooks" if "webhooks" in documents[1] else ""
    _compare_items(documents, out, before, after, (old_at, new_at), kind="webhook", label="")


def compare_callbacks(
    documents: tuple[Any, Any], out: Findings, old: Located, new: Located
) -> None:
    """Add to ``out`` the callbacks of an operation removed, added or changed."""
    operation = out.operation
    found = []
    for document, (node, at) in zip(documents, (old, new), strict=True):
        callbacks = node.get("callbacks") if isinstance(node, dict) else None
        items: dict[str, Located] = {}
        for name, callback in callbacks.items() if isinstance(callbacks, dict) else ():
            escaped = jp.escape(str(name))
            callback, where = resolve(document, callback, f"{at}/callbacks/{escaped}")
            for expression, item in _items(document, callback, where).items():
                items[f"{name} {expression}"] = item
        found.append(items)
    places = (old[1], new[1])
    _compare_items(
        documents, out, found[0], found[1], places, kind="callback", label=f"{operation} "
    )
    out.operation = operation


def _items(document: Any, container: Any, at: str) -> dict[str, Located]:
    """The path items of a ``webhooks`` map or a callback object, `$ref`s followed."""
    found: dict[str, Located] = {}
    for name, item in container.items() if isinstance(container, dict) else ():
        node, pointer = resolve(document, item, f"{at}/{jp.escape(str(name))}")
        if isinstance(node, dict):
            found[str(name)] = (node, pointer)
    return found


def _compare_items(
    documents: tuple[Any, Any],
    out: Findings,
    before: dict[str, Located],
    after: dict[str, Located],
    places: tuple[str, str],
    *,
    kind: str,
    label: str,
) -> None:
    for name in sorted(before.keys() | after.keys()):
        o_item, n_item = before.get(name), after.get(name)
        for method in HTTP_METHODS:
            o = _operation(o_item, method)
            n = _operation(n_item, method)
            out.operation = f"{label}{kind} {name} ({method.upper()})"
            if o is not None and n is None:
                message = (
                    f"the {kind} {name} ({method.upper()}) was removed; receivers no longer get it"
                )
                out.add(f"{kind}-removed", o[1], n_item[1] if n_item else places[1], message)
            elif n is not None and o is None:
                message = f"the {kind} {name} ({method.upper()}) was added"
                out.add(f"{kind}-added", o_item[1] if o_item else places[0], n[1], message)
            elif o is not None and n is not None:
                what = f"the {kind} {name}"
                _compare_sent(documents, out, o, n, what)
                _compare_answered(documents, out, o, n, what)


def _operation(item: Located | None, method: str) -> Located | None:
    if item is None or not isinstance(item[0].get(method), dict):
        return None
    return item[0][method], f"{item[1]}/{method}"


def _compare_sent(
    documents: tuple[Any, Any], out: Findings, old: Located, new: Located, what: str
) -> None:
    """What the API sends: parameters and body, compared as responses (receivers parse them)."""
    before, after = _parameters(documents[0], old), _parameters(documents[1], new)
    for key in sorted(before.keys() - after.keys()):
        subject = Subject("parameter", *key)
        message = f"{what} no longer sends the {key[0]} parameter '{key[1]}'; receivers may read it"
        out.add("callback-parameter-removed", before[key][1], new[1], message, subject)
    for key in sorted(after.keys() - before.keys()):
        subject = Subject("parameter", *key)
        message = f"{what} now sends the {key[0]} parameter '{key[1]}'"
        out.add("callback-parameter-added", old[1], after[key][1], message, subject)
    for key in sorted(before.keys() & after.keys()):
        (o, o_at), (n, n_at) = before[key], after[key]
        subject = Subject("parameter", *key)
        if o.get("required") is True and n.get("required") is not True:
            message = (
                f"{what} may now leave out the {key[0]} parameter '{key[1]}'; "
                "receivers may rely on it"
            )
            out.add("callback-parameter-made-optional", o_at, n_at, message, subject)
        if isinstance(o.get("schema"), dict) and isinstance(n.get("schema"), dict):
            compare_schemas(
                documents, out, (o["schema"], f"{o_at}/schema"), (n["schema"], f"{n_at}/schema"),
                direction="response", what=f"{what}'s {key[0]} parameter '{key[1]}'",
                subject=subject,
            )  # fmt: skip
    o_body, o_at = _body(documents[0], old)
    n_body, n_at = _body(documents[1], new)
    if o_body is None:
        return
    subject = Subject("request-body")
    if n_body is None:
        message = f"{what} no longer sends a request body; receivers parse one"
        out.add("callback-body-removed", o_at, new[1], message, subject)
        return
    o_media, n_media = media_types(o_body), media_types(n_body)
    for media in sorted(n_media.keys() - o_media.keys()):
        message = f"{what} may now send its body as {media}; receivers may not parse it"
        added = f"{n_at}/content/{jp.escape(media)}"
        out.add("callback-media-type-added", o_at, added, message, subject)
    for media in sorted(o_media.keys() - n_media.keys()):
        message = f"{what} no longer sends its body as {media}"
        gone = f"{o_at}/content/{jp.escape(media)}"
        out.add("callback-media-type-removed", gone, n_at, message, subject)
    compare_contents(
        documents, out, (o_media, o_at), (n_media, n_at),
        direction="response", what=lambda media: f"{what}'s request body ({media})",
        subject=subject,
    )  # fmt: skip


def _compare_answered(
    documents: tuple[Any, Any], out: Findings, old: Located, new: Located, what: str
) -> None:
    """What receivers answer: 2xx statuses, and bodies compared as requests (they send them)."""
    before, after = _responses(documents[0], old), _responses(documents[1], new)
    for status in sorted(before.keys() - after.keys()):
        message = (
            f"{what} no longer takes {status} for an answer; receivers answering it may "
            "count as failed deliveries"
        )
        out.add(
            "callback-status-removed", before[status][1], f"{new[1]}/responses", message,
            Subject("response", status),
        )  # fmt: skip
    for status in sorted(after.keys() - before.keys()):
        message = f"{what} now also takes {status} for an answer"
        out.add(
            "callback-status-added", f"{old[1]}/responses", after[status][1], message,
            Subject("response", status),
        )  # fmt: skip
    for status in sorted(before.keys() & after.keys()):
        (o, o_at), (n, n_at) = before[status], after[status]
        compare_contents(
            documents, out, (media_types(o), o_at), (media_types(n), n_at),
            direction="request", what=_answer(status, what), subject=Subject("response", status),
        )  # fmt: skip


def _answer(status: str, what: str) -> Callable[[str], str]:
    return lambda media: f"the answer {status} to {what} ({media})"


def _parameters(document: Any, operation: Located) -> dict[tuple[str, str], Located]:
    node, at = operation
    listed = node.get("parameters")
    found: dict[tuple[str, str], Located] = {}
    for index, parameter in enumerate(listed if isinstance(listed, list) else ()):
        resolved, pointer = resolve(document, parameter, f"{at}/parameters/{index}")
        if isinstance(resolved, dict) and isinstance(resolved.get("name"), str):
            where, name = str(resolved.get("in")), resolved["name"]
            found[(where, name.lower() if where == "header" else name)] = (resolved, pointer)
    return found


def _body(document: Any, operation: Located) -> tuple[dict[str, Any] | None, str]:
    node, at = operation
    if "requestBody" not in node:
        return None, at
    body, pointer = resolve(document, node["requestBody"], f"{at}/requestBody")
    return (body, pointer) if isinstance(body, dict) else (None, at)


def _responses(document: Any, operation: Located) -> dict[str, Located]:
    """The 2xx answers (``2XX`` too) by status."""
    node, at = operation
    responses = node.get("responses")
    found: dict[str, Located] = {}
    for status, response in responses.items() if isinstance(responses, dict) else ():
        if not str(status).startswith("2"):
            continue
        resolved, pointer = resolve(document, response, f"{at}/responses/{jp.escape(str(status))}")
        if isinstance(resolved, dict):
            found[str(status).upper()] = (resolved, pointer)
    return found
