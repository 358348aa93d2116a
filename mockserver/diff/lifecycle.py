"""An operation's lifecycle: deprecated, given a sunset date, removed with or without warning.

``deprecated: true`` added to an operation breaks nobody; it is reported so that its clients
hear of it. A sunset date, from the operation's ``x-sunset`` (an ISO date or an HTTP-date, as
the ``Sunset`` header of RFC 8594 carries it) or a ``Sunset`` header newly declared on a 2xx
response, is reported when it appears, and as possibly breaking when it is brought forward:
clients have less time than they were told. `removal_note` says in a removal's sentence
whether the operation was deprecated first.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import Any

from mockserver.diff.model import Findings
from mockserver.diff.views import Located, resolve
from mockserver.spec import pointer as jp

__all__ = ["compare_lifecycle", "removal_note", "sunset_date"]


def compare_lifecycle(
    documents: tuple[Any, Any], out: Findings, old: Located, new: Located
) -> None:
    """Add to ``out`` the operation newly deprecated and its sunset date set or moved."""
    (before, old_at), (after, new_at) = old, new
    if after.get("deprecated") is True and before.get("deprecated") is not True:
        out.add("operation-deprecated", old_at, new_at, "the operation is now deprecated")
    was, now = sunset_date(before.get("x-sunset")), sunset_date(after.get("x-sunset"))
    if now is not None and was is None:
        message = f"the operation now has a sunset date ({now.isoformat()})"
        out.add("operation-sunset-added", old_at, f"{new_at}/x-sunset", message)
    elif now is not None and was is not None and now < was:
        message = (
            f"the operation's sunset date was brought forward from {was.isoformat()} to "
            f"{now.isoformat()}; clients have less time to move off it"
        )
        out.add(
            "operation-sunset-brought-forward", f"{old_at}/x-sunset", f"{new_at}/x-sunset", message
        )
    if was is None and now is None:
        header = _sunset_header(documents[1], after, new_at)
        if header is not None and _sunset_header(documents[0], before, old_at) is None:
            message = "the operation's responses now declare a Sunset header"
            out.add("operation-sunset-added", old_at, header, message)


def removal_note(operations: list[Any]) -> str:
    """How a removal's sentence ends: were all the removed operations deprecated first?"""
    if operations and all(
        isinstance(operation, dict) and operation.get("deprecated") is True
        for operation in operations
    ):
        return "after being deprecated"
    return "without being deprecated first"


def sunset_date(value: Any) -> dt.date | None:
    """The day a sunset value names: an ISO date or date-time, or an HTTP-date; else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


def _sunset_header(document: Any, operation: dict[str, Any], at: str) -> str | None:
    """Where a 2xx response of the operation declares a ``Sunset`` header, if one does."""
    responses = operation.get("responses")
    for status, response in responses.items() if isinstance(responses, dict) else ():
        if not str(status).startswith("2"):
            continue
        node, pointer = resolve(document, response, f"{at}/responses/{status}")
        headers = node.get("headers") if isinstance(node, dict) else None
        for name in headers if isinstance(headers, dict) else ():
            if str(name).lower() == "sunset":
                return f"{pointer}/headers/{jp.escape(str(name))}"
    return None
