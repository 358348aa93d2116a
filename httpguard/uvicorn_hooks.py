"""What httpguard takes from uvicorn's private httptools protocol, and whether it is there.

`httpguard.uvicorn_protocol` subclasses uvicorn's `HttpToolsProtocol` and overrides or relies
on the methods and attributes named in `UVICORN_HOOKS`; `missing_hooks` says which of them the
installed uvicorn lacks (any class and list of names: `httpguard.uvicorn_write` checks its
request cycle's the same way). pyproject.toml pins the uvicorn releases this was tested with;
a renamed hook makes `uvicorn_options` raise instead of switching a limit off without a word.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Iterable

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["UVICORN_HOOKS", "missing_hooks"]

# What the protocols of `httpguard.uvicorn_protocol` take from uvicorn's HttpToolsProtocol: the
# methods they override or call, then the attributes they read or replace. Keep it in step.
UVICORN_HOOKS = (
    "connection_made",
    "connection_lost",
    "data_received",
    "on_message_begin",
    "on_headers_complete",
    "on_message_complete",
    "send_400_response",
    "handle_websocket_upgrade",
    "on_response_complete",
    "_unset_keepalive_if_required",
    "_start_asgi_task",
    "timeout_keep_alive_handler",
    "url",
    "headers",
    "transport",
    "loop",
    "scope",
    "cycle",
    "server_state",
    "flow",
    "pipeline",
    "timeout_keep_alive",
    "timeout_keep_alive_task",
)


def missing_hooks(base: type = HttpToolsProtocol, hooks: Iterable[str] | None = None) -> list[str]:
    """The hooks (`UVICORN_HOOKS` by default) ``base`` lacks, in their order.

    A hook is there when ``base`` has it as a method, or when a method of ``base`` (or of a
    class it inherits from) assigns it to ``self``: uvicorn sets ``url`` only once a request
    begins, so an instance attribute is looked for in the source, not on an instance.
    """
    assigned = _self_attributes(base)
    return [
        name
        for name in (UVICORN_HOOKS if hooks is None else hooks)
        if not callable(getattr(base, name, None)) and name not in assigned
    ]


@functools.cache
def _self_attributes(base: type) -> frozenset[str]:
    """Every ``self.<name>`` that a method of ``base`` or its bases assigns."""
    names: set[str] = set()
    for klass in base.__mro__:
        if klass is object:
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):  # no source (a builtin, a class made by type()): none
            continue
        for node in ast.walk(ast.parse(source)):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            names.update(
                target.attr
                for target in targets
                if isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            )
    return frozenset(names)
