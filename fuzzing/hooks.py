"""Registers the platform's Schemathesis extensions (``hooks = "fuzzing.hooks"``)."""

from __future__ import annotations

import schemathesis

from fuzzing.auth import ThrowawayUserAuth
from fuzzing.checks import register

__all__ = ["ThrowawayUserAuth"]

schemathesis.auth()(ThrowawayUserAuth)
register()
