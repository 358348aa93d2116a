"""Authenticate and authorize: credentials, tokens, and who may touch a record.

`credentials` checks that a request carries what its security requirement asks for; `tokens`
issues and verifies JWT access tokens and rotating refresh tokens; `authenticate` accepts only
tokens the mock issued and has not revoked; `logins` keeps a record per login and revokes
one login; `ownership` loads the record a path addresses for
its owner only (403/404).
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["authenticate", "credentials", "logins", "ownership", "tokens"]
