"""Exceptions raised by mockserver.

The hierarchy::

    MockServerError                 root of everything this package raises
    ├── SpecError                   an OpenAPI document cannot be loaded or mocked
    │   └── SpecReferenceError      a ``$ref`` points at nothing
    ├── PointerError                a JSON pointer is malformed or names nothing (LookupError)
    ├── ConfigError                 an option given to the CLI or ``create_app`` is invalid
    ├── StateUnavailableError       the shared state (``--state-url``) cannot be reached now
    ├── GenerationError             no value can satisfy a schema (e.g. contradictory bounds)
    ├── PreferenceError             a ``Prefer`` the mock cannot understand (ValueError; 400)
    ├── InvalidTokenError           a token the mock did not issue, expired or revoked (401)
    ├── ProviderStateError          a Pact provider-state change the mock refuses (400)
    ├── ConformError                ``mockserver conform`` cannot run (spec, provider unreachable)
    └── DiffError                   ``mockserver diff`` cannot read a side, a pact, the ignore file

Every message says what failed, where (file, JSON pointer, operation) and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConformError",
    "DiffError",
    "GenerationError",
    "InvalidTokenError",
    "MockServerError",
    "PointerError",
    "PreferenceError",
    "ProviderStateError",
    "SpecError",
    "SpecReferenceError",
    "StateUnavailableError",
]


class MockServerError(Exception):
    """Base class of every error raised by mockserver."""


class SpecError(MockServerError):
    """Raised when an OpenAPI document is invalid or cannot be mocked.

    ``source`` is the file (or ``<dict>``), ``pointer`` the JSON pointer of the offending
    node and ``hint`` what to change.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "<dict>",
        pointer: str = "",
        hint: str = "",
        severity: str = "error",
    ) -> None:
        self.source = source
        self.pointer = pointer
        self.hint = hint
        # "warning": a defect a lenient load tolerates even under --strict (lint lists it).
        self.severity = severity
        where = f"{source}#{pointer}" if pointer else source
        text = f"{where}: {message}"
        if hint:
            text = f"{text}\n  fix: {hint}"
        super().__init__(text)


class SpecReferenceError(SpecError):
    """Raised when a ``$ref`` cannot be resolved (missing file or missing pointer)."""


class ConfigError(MockServerError):
    """Raised when a configuration value or CLI option is invalid."""


class StateUnavailableError(MockServerError):
    """Raised when the Redis behind ``--state-url`` stops answering while the mock runs.

    Requests are answered 503 ``state_unavailable`` with ``Retry-After`` meanwhile; the
    connections are re-established by the next request once Redis is back.
    """


class GenerationError(MockServerError):
    """Raised when no value satisfies a schema, such as ``minLength`` above ``maxLength``."""


class PointerError(MockServerError, LookupError):
    """Raised when a JSON pointer is malformed or names a location that does not exist."""

    def __init__(self, message: str, *, pointer: str, found: str) -> None:
        self.pointer = pointer
        # ``found`` is the longest prefix of ``pointer`` that does exist, for error messages.
        self.found = found
        super().__init__(message)


class PreferenceError(MockServerError, ValueError):
    """Raised for a preference the mock cannot understand, such as ``code=abc``."""


class InvalidTokenError(MockServerError):
    """A token that must be refused; the message says why, for the 401's detail."""


class ProviderStateError(MockServerError):
    """A state change the mock refuses (answered 400 with this message)."""


class ConformError(MockServerError):
    """Raised when ``mockserver conform`` cannot run: a spec without the auth actions it
    needs, or a provider that does not answer (the message names the URL and the request)."""


class DiffError(MockServerError):
    """Raised when ``mockserver diff`` cannot read one side (a missing or invalid file, a git
    revision or path that does not exist), a pact file or the ignore file (a malformed entry);
    the message names the file or entry and how to fix it."""
