"""Compare an operation's security requirement: who may call it, with which scopes.

The requirement is the operation's ``security``, else the document's. A list of alternatives
(each a map of scheme -> scopes; ``{}`` lets anonymous requests through): no alternative open
to anyone any more breaks every client that sends no credentials; an alternative removed breaks
the clients that used it; scopes added to an alternative break clients whose tokens lack them.
"""

from __future__ import annotations

from typing import Any

from mockserver.diff.model import Findings, Subject
from mockserver.diff.views import Located

__all__ = ["compare_security"]

_SECURITY = Subject("security")


def compare_security(documents: tuple[Any, Any], out: Findings, old: Located, new: Located) -> None:
    """Add to ``out`` what changed in the requirement that applies to the operation."""
    before, old_at = _security(documents[0], *old)
    after, new_at = _security(documents[1], *new)
    if _anonymous(before) and not _anonymous(after):
        message = "the operation was open to anyone and now needs credentials"
        out.add("security-requirement-added", old_at, new_at, message, _SECURITY)
        return
    if _anonymous(after) and not _anonymous(before):
        message = "the operation no longer needs credentials"
        out.add("security-requirement-removed", old_at, new_at, message, _SECURITY)
        return
    if _anonymous(before) or _anonymous(after):
        return  # open to anyone on both sides: the alternatives do not matter to a client
    old_ways, new_ways = _alternatives(before), _alternatives(after)
    for schemes, (scopes, index) in old_ways.items():
        where = f"{old_at}/{index}"
        if schemes not in new_ways:
            message = (
                f"the security alternative {_named(schemes)} was removed; "
                "clients using it are refused"
            )
            out.add("security-alternative-removed", where, new_at, message, _SECURITY)
            continue
        now, new_index = new_ways[schemes]
        added = sorted(now - scopes)
        if added:
            message = (
                f"the security alternative {_named(schemes)} now also needs the scopes "
                f"{', '.join(added)}; tokens without them are refused"
            )
            out.add("security-scopes-added", where, f"{new_at}/{new_index}", message, _SECURITY)
    for schemes, (_, index) in new_ways.items():
        if schemes not in old_ways:
            message = f"the security alternative {_named(schemes)} was added"
            out.add("security-alternative-added", old_at, f"{new_at}/{index}", message, _SECURITY)


def _security(document: Any, operation: dict[str, Any], at: str) -> tuple[Any, str]:
    """The requirement that applies to an operation: its own, else the document's."""
    if "security" in operation:
        return operation["security"], f"{at}/security"
    if "security" in document:
        return document["security"], "/security"
    return None, at  # none declared: the operation itself is where one is missing


def _anonymous(requirement: Any) -> bool:
    """Whether a security requirement lets a request without credentials through."""
    return not isinstance(requirement, list) or not requirement or {} in requirement


def _alternatives(requirement: list[Any]) -> dict[frozenset[str], tuple[frozenset[str], int]]:
    """Each alternative by its set of schemes: the scopes it asks for (all schemes'), its index."""
    found: dict[frozenset[str], tuple[frozenset[str], int]] = {}
    for index, alternative in enumerate(requirement):
        if not isinstance(alternative, dict) or not alternative:
            continue
        scopes = frozenset(
            f"{scheme}:{scope}" if len(alternative) > 1 else str(scope)
            for scheme, listed in alternative.items()
            for scope in (listed if isinstance(listed, list) else ())
        )
        found.setdefault(frozenset(map(str, alternative)), (scopes, index))
    return found


def _named(schemes: frozenset[str]) -> str:
    return " + ".join(sorted(schemes))
