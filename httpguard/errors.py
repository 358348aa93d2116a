"""Exceptions raised by httpguard.

The hierarchy::

    GuardError                  root of everything this package raises
    ├── LimitsError             a limit or the refusal style got an unusable value (a ValueError)
    ├── EgressPolicyError       a host pattern of `HostPolicy` cannot be read (a ValueError)
    └── UnsupportedUvicornError the installed uvicorn lacks a hook the protocol overrides

Every message says what failed and how to fix it.
"""

from __future__ import annotations

__all__ = ["EgressPolicyError", "GuardError", "LimitsError", "UnsupportedUvicornError"]


class GuardError(Exception):
    """Base class of every error raised by httpguard."""


class LimitsError(GuardError, ValueError):
    """Raised by `Limits` and `Refusals` for a value they cannot use, e.g. ``max_body_bytes=0``."""


class EgressPolicyError(GuardError, ValueError):
    """Raised by `HostPolicy` for a pattern it cannot read, e.g. ``hooks/*``."""


class UnsupportedUvicornError(GuardError):
    """Raised by `uvicorn_options` when uvicorn's ``HttpToolsProtocol`` lacks a hook we override.

    The protocol subclasses a private class of uvicorn; a hook renamed in a new release would
    otherwise switch a limit off without a word.
    """
