"""Pact contracts of the platform: the typed consumer client, its pacts, the provider states.

- `contracts.client`: the frontend data layer the consumer tests drive (``PlatformClient``).
- `contracts.states`: the provider-state definitions of ``states.yaml``, read by the mock and
  the reference provider alike.
- `contracts.errors`: `ContractsError`, the root of every error the package raises, and the
  `ApiError` per status with the `Problem` it carries; `contracts.models`: the typed answers
  (both re-exported by `contracts.client`).
- ``pacts/``: the committed V4 pact files (``make pacts`` regenerates them).
"""

from __future__ import annotations

__all__: list[str] = []
