"""The one root exception of ``mutants`` and its subclasses.

::

    MutantsError                a mutation run cannot go on
    ├── CatalogueError          a fault file is malformed, or a patch no longer applies
    └── ProviderStartError      a (patched) provider did not answer /health in time
"""

from __future__ import annotations

__all__ = ["CatalogueError", "MutantsError", "ProviderStartError"]


class MutantsError(Exception):
    """A mutation run cannot go on."""


class CatalogueError(MutantsError):
    """Raised when a fault file is malformed or a fault's ``old`` text is not in provider/."""


class ProviderStartError(MutantsError):
    """Raised when a provider exits or does not answer ``/api/v1/health`` before the deadline."""
