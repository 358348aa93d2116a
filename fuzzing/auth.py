"""Logs Schemathesis in as a throwaway user registered through the API itself.

Credentials come from ``PLATFORM_EMAIL`` and ``PLATFORM_PASSWORD`` when set (a staging account
QA owns); otherwise a fresh ``schemathesis-<random>@example.com`` is registered first. The
token is fetched again whenever the API answers 401 (for example after the fuzzer itself
logged every device out). The cross-user checks (`fuzzing.access`) log a second user in the
same way, from ``PLATFORM_EMAIL_2`` and ``PLATFORM_PASSWORD_2`` or as another throwaway.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemathesis import Case

__all__ = ["Credentials", "ThrowawayUserAuth", "credentials_from_env"]

LOGIN = "loginUser"
REGISTER = "registerUser"


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who Schemathesis logs in as."""

    email: str
    password: str
    throwaway: bool


def credentials_from_env(
    environ: Mapping[str, str] | None = None, *, suffix: str = ""
) -> Credentials:
    """``PLATFORM_EMAIL``/``PLATFORM_PASSWORD``, or a new throwaway account.

    ``suffix="_2"`` reads ``PLATFORM_EMAIL_2``/``PLATFORM_PASSWORD_2``: the second user of the
    cross-user checks (`fuzzing.access`).
    """
    env = os.environ if environ is None else environ
    email, password = env.get(f"PLATFORM_EMAIL{suffix}"), env.get(f"PLATFORM_PASSWORD{suffix}")
    if email and password:
        return Credentials(email, password, throwaway=False)
    token = secrets.token_hex(6)
    return Credentials(f"schemathesis-{token}@example.com", f"Fuzz-{token}-9", throwaway=True)


class ThrowawayUserAuth:
    """A Schemathesis auth provider: ``get`` logs in (registering first), ``set`` sends it."""

    def __init__(self, credentials: Credentials | None = None) -> None:
        self.credentials = credentials or credentials_from_env()

    def _call(
        self, case: Case[Any], operation_id: str, body: dict[str, Any], base_url: str | None
    ) -> Any:
        operation = case.operation.schema.find_operation_by_id(operation_id)
        return operation.Case(body=body, media_type="application/json").call(base_url=base_url)

    def get(self, case: Case[Any], ctx: Any) -> str:
        """A fresh access token."""
        return self.login(case)

    def login(self, case: Case[Any], *, base_url: str | None = None) -> str:
        """Log in (registering a throwaway account first) at ``base_url``; the access token."""
        login = {"email": self.credentials.email, "password": self.credentials.password}
        response = self._call(case, LOGIN, login, base_url)
        if response.status_code == 401 and self.credentials.throwaway:
            body = {**login, "name": "Schemathesis", "acceptTerms": True}
            registered = self._call(case, REGISTER, body, base_url)
            if registered.status_code not in (201, 409):
                raise RuntimeError(
                    f"registering {self.credentials.email} answered {registered.status_code}: "
                    f"{registered.text[:300]}"
                )
            response = self._call(case, LOGIN, login, base_url)
        if response.status_code != 200:
            raise RuntimeError(
                f"logging in as {self.credentials.email} answered {response.status_code}: "
                f"{response.text[:300]}; set PLATFORM_EMAIL and PLATFORM_PASSWORD (or _2 for "
                "the second user) to an account that can log in"
            )
        token: str = response.json()["tokens"]["accessToken"]
        return token

    def set(self, case: Case[Any], data: str, ctx: Any) -> None:
        """Send the token as a bearer credential."""
        case.headers["Authorization"] = f"Bearer {data}"
