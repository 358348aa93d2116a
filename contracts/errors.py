"""Exceptions raised by the contracts package.

The hierarchy::

    ContractsError              root of everything this package raises
    ├── ApiError                the API answered a problem (`contracts.client`; one per status)
    ├── StateDefinitionError    ``states.yaml`` is malformed (`contracts.states`)
    └── StateError              a state change the definitions refuse (also a ValueError)
"""

from __future__ import annotations

__all__ = ["ContractsError"]


class ContractsError(Exception):
    """Base class of every error raised by the contracts package."""
