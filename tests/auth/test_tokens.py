"""Access tokens are verified once and then remembered; refresh tokens rotate and revoke."""

from __future__ import annotations

import asyncio
import base64
import hmac
import re
import time

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.auth.tokens import VERIFIED_CACHE_SIZE, TokenService, _b64url, _Hs256
from mockserver.errors import InvalidTokenError
from mockserver.store.memory import MemoryStore


@given(key=st.binary(max_size=200), message=st.binary(max_size=300))
def test_the_primed_hmac_is_hmac_sha256(key: bytes, message: bytes) -> None:
    # Keys shorter than, equal to and longer than SHA-256's 64-byte block.
    assert _Hs256(key).sign(message) == hmac.digest(key, message, "sha256")


@given(data=st.binary(max_size=100))
def test_b64url_is_unpadded_urlsafe_base64(data: bytes) -> None:
    assert _b64url(data) == base64.urlsafe_b64encode(data).rstrip(b"=")


def test_a_refresh_token_carries_256_random_bits_in_base64url() -> None:
    service = TokenService(MemoryStore())
    tokens = {asyncio.run(service.issue_refresh("u1")) for _ in range(50)}
    assert len(tokens) == 50
    assert all(re.fullmatch(r"rt_[A-Za-z0-9_-]{43}", token) for token in tokens)


def test_an_access_token_is_a_standard_hs256_jwt() -> None:
    # Signed by our own code: PyJWT, knowing only the secret, must accept it as any JWT.
    service = TokenService(MemoryStore(), secret="s" * 40)
    before = int(time.time())
    token = service.issue_access("user-1", 2)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, "s" * 40, algorithms=["HS256"], issuer="mockserver")
    assert claims["sub"] == "user-1"
    assert claims["gen"] == 2
    assert claims["iat"] == claims["nbf"] >= before
    assert claims["exp"] - claims["iat"] == service.access_ttl
    again = jwt.decode(service.issue_access("user-1", 2), "s" * 40, algorithms=["HS256"])
    assert len(claims["jti"]) == 32
    assert again["jti"] != claims["jti"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "t" * 40, algorithms=["HS256"])
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(InvalidTokenError):
        service.verify_access(tampered)


def test_verify_access_remembers_a_verified_token() -> None:
    service = TokenService(MemoryStore())
    token = service.issue_access("user-1", 3)
    first = service.verify_access(token)
    assert (first.user_id, first.generation) == ("user-1", 3)
    assert service.verify_access(token) is first  # not decoded again


def test_verify_access_refuses_a_remembered_token_once_it_expires() -> None:
    service = TokenService(MemoryStore(), access_ttl=1)
    token = service.issue_access("user-1", 0)
    service.verify_access(token)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    while time.time() < expires:  # at most one second: exp is whole seconds
        time.sleep(0.05)
    with pytest.raises(InvalidTokenError, match="expired"):
        service.verify_access(token)


def test_verify_access_never_remembers_a_refused_token() -> None:
    service = TokenService(MemoryStore())
    other = TokenService(MemoryStore()).issue_access("user-1", 0)  # another key
    for _ in range(2):
        with pytest.raises(InvalidTokenError, match="not issued by this server"):
            service.verify_access(other)


def test_verify_access_forgets_the_oldest_tokens_past_its_size() -> None:
    service = TokenService(MemoryStore())
    first = service.issue_access("user-0", 0)
    service.verify_access(first)
    for index in range(VERIFIED_CACHE_SIZE):
        service.verify_access(service.issue_access(f"user-{index + 1}", 0))
    assert service.verify_access(first).user_id == "user-0"  # verified again, still valid


def test_revoke_all_refuses_older_refresh_tokens_but_not_later_ones() -> None:
    async def scenario() -> None:
        service = TokenService(MemoryStore())
        older = await service.issue_refresh("user-1")
        other_user = await service.issue_refresh("user-2")
        await service.revoke_all("user-1")
        later = await service.issue_refresh("user-1")
        with pytest.raises(InvalidTokenError, match="revoked"):
            await service.rotate_refresh(older)
        assert (await service.rotate_refresh(later))[0] == "user-1"
        assert (await service.rotate_refresh(other_user))[0] == "user-2"

    asyncio.run(scenario())


def test_rotating_a_refresh_token_twice_revokes_its_family() -> None:
    async def scenario() -> None:
        service = TokenService(MemoryStore())
        token = await service.issue_refresh("user-1")
        rotated = (await service.rotate_refresh(token)).token
        with pytest.raises(InvalidTokenError, match="already used"):
            await service.rotate_refresh(token)
        with pytest.raises(InvalidTokenError, match="revoked"):
            await service.rotate_refresh(rotated)

    asyncio.run(scenario())
