"""Two accounts for Schemathesis' own ``object_level_authorization`` check (``--peers``).

That check needs at least two users listed as ``peers`` in a Web Fuzzing Commons (WFC) auth
document under ``[auth.wfc]``: it replays a read one user made of its own object as the other
and fails when the other is served. WFC entries log in with fixed credentials and cannot
register, so this module makes them: two accounts from ``PLATFORM_EMAIL``/``PLATFORM_PASSWORD``
and ``PLATFORM_EMAIL_2``/``PLATFORM_PASSWORD_2``, or throwaways registered at the API, then a
WFC document logging each in through ``POST <base path>/auth/login`` and a config that is the
repository's ``schemathesis.toml`` plus that ``[auth.wfc]`` section (the first user runs every
operation; the second is loaded for the peer probes).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from fuzzing.auth import Credentials, credentials_from_env

__all__ = ["PEERS", "PEERS_ENV", "peer_config"]

PEERS = ("first", "second")
PEERS_ENV = "FUZZING_PEERS"  # set for the run: `fuzzing.hooks` then registers no auth of its own
ROOT = Path(__file__).resolve().parent.parent


def _ensure_account(url: str, credentials: Credentials) -> None:
    """Register a throwaway account (an existing one of QA's is only checked by logging in)."""
    login = {"email": credentials.email, "password": credentials.password}
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as http:
        if credentials.throwaway:
            body = {**login, "name": "Schemathesis peer", "acceptTerms": True}
            registered = http.post("auth/register", json=body)
            if registered.status_code not in (201, 409):
                raise SystemExit(
                    f"registering {credentials.email} at {url} answered "
                    f"{registered.status_code}: {registered.text[:300]}"
                )
        answer = http.post("auth/login", json=login)
        if answer.status_code != 200:
            raise SystemExit(
                f"logging in as {credentials.email} at {url} answered {answer.status_code}; set "
                "PLATFORM_EMAIL/PLATFORM_PASSWORD and PLATFORM_EMAIL_2/PLATFORM_PASSWORD_2 to "
                "two accounts that can log in"
            )


def peer_config(url: str, directory: Path) -> Path:
    """Write the WFC document and the config into ``directory``; the config's path."""
    url = url.rstrip("/") + "/"
    login_path = urlsplit(url).path + "auth/login"
    entries = []
    for name, suffix in zip(PEERS, ("", "_2"), strict=True):
        credentials = credentials_from_env(suffix=suffix)
        _ensure_account(url, credentials)
        entries.append(
            {
                "name": name,
                "loginEndpointAuth": {
                    "endpoint": login_path,
                    "verb": "POST",
                    "contentType": "application/json",
                    "payloadUserPwd": {
                        "username": credentials.email,
                        "password": credentials.password,
                        "usernameField": "email",
                        "passwordField": "password",
                    },
                    "token": {
                        "extractFrom": "body",
                        "extractSelector": "/tokens/accessToken",
                        "sendIn": "header",
                        "sendName": "Authorization",
                        "sendTemplate": "Bearer {token}",
                    },
                },
            }
        )
    document = directory / "peers.wfc.json"
    document.write_text(json.dumps({"auth": entries}, indent=2))
    config = directory / "schemathesis.toml"
    section = (
        f"\n[auth.wfc]\npath = {json.dumps(str(document))}\n"
        f'user = "{PEERS[0]}"\npeers = {json.dumps(list(PEERS))}\n'
    )
    config.write_text((ROOT / "schemathesis.toml").read_text() + section)
    return config
