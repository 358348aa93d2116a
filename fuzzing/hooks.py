"""Registers the platform's Schemathesis extensions (``hooks = "fuzzing.hooks"``).

Under ``python -m fuzzing --peers`` (``FUZZING_PEERS`` set) the auth provider is left out: a
programmatic one would take precedence over the ``[auth.wfc]`` accounts Schemathesis'
``object_level_authorization`` check needs (`fuzzing.peers`).
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

from fuzzing.auth import ThrowawayUserAuth
from fuzzing.checks import register
from fuzzing.peers import PEERS_ENV

__all__ = ["ThrowawayUserAuth", "target_of"]


def target_of(case: schemathesis.Case[Any], context: Any) -> str:
    """Which server a token belongs to: one cached token per app or base URL, never shared."""
    schema = case.operation.schema
    return f"app:{id(schema.app)}" if schema.app is not None else schema.get_base_url()


if not os.environ.get(PEERS_ENV):
    schemathesis.auth(cache_by_key=target_of)(ThrowawayUserAuth)
register()
