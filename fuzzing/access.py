"""Cross-user checks: what one user may do to a resource, another user may not.

After a successful request on one resource (a path with an id: a read, an update, an action
such as cancel or pay, a sub-resource create), the same request is sent again as a second user,
who must be refused with 403 or 404, never served. A successful delete proves nothing once the
resource is gone, so deletes are probed from the read before them instead: after a successful
``GET`` of a resource that has a ``DELETE``, the second user tries that delete (on a correct
server it is refused and nothing changes; on a broken one the owner's resource is gone, which
is the bug reported).

The second user logs in like the first (`fuzzing.auth`): ``PLATFORM_EMAIL_2`` and
``PLATFORM_PASSWORD_2`` when set, otherwise a throwaway account registered through the API.
One token is kept per server and fetched again after a 401.
"""

from __future__ import annotations

import threading
from typing import Any

from schemathesis import Case, Response

from fuzzing.auth import Credentials, ThrowawayUserAuth, credentials_from_env
from fuzzing.replay import authorization, server_url

__all__ = ["REFUSED", "SecondUser", "another_user_is_refused", "second_user"]

REFUSED = (403, 404)


class SecondUser:
    """The other user of the cross-user checks, logged in once per server."""

    def __init__(self, credentials: Credentials | None = None) -> None:
        self.auth = ThrowawayUserAuth(credentials or credentials_from_env(suffix="_2"))
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def authorization(self, case: Case[Any], response: Response, *, fresh: bool = False) -> str:
        """The ``Authorization`` header of the second user on the server that answered."""
        base_url = server_url(case, response)
        app = case.operation.schema.app
        key = f"app:{id(app)}" if app is not None else base_url
        with self._lock:
            if fresh or key not in self._tokens:
                self._tokens[key] = self.auth.login(case, base_url=base_url)
            return f"Bearer {self._tokens[key]}"


_SECOND_USER: SecondUser | None = None


def second_user() -> SecondUser:
    """The process's second user, made on first use (so importing registers no one)."""
    global _SECOND_USER
    if _SECOND_USER is None:
        _SECOND_USER = SecondUser()
    return _SECOND_USER


def _public(case: Case[Any]) -> bool:
    """Whether the spec lets anyone call the operation (``security: []``)."""
    operation = case.operation.definition.raw
    security = operation.get("security", case.operation.schema.raw_schema.get("security"))
    return not security


def _as(probe: Case[Any], credentials: str) -> Case[Any]:
    for name in [k for k in probe.headers if k.lower() == "authorization"]:
        del probe.headers[name]
    probe.headers["Authorization"] = credentials
    return probe


def _probes(case: Case[Any]) -> list[Case[Any]]:
    """The requests the second user sends: the same one, or the delete of what was read."""
    method = case.method.upper()
    probes = []
    if method != "DELETE":
        probes.append(
            case.operation.Case(
                path_parameters=dict(case.path_parameters or {}),
                query=dict(case.query or {}),
                headers=dict(case.headers or {}),
                body=case.body,
                media_type=case.media_type,
            )
        )
    if method == "GET":
        delete = case.operation.schema.find_operation_by_path("DELETE", case.formatted_path)
        if delete is not None and delete.path == case.operation.path:
            probes.append(delete.Case(path_parameters=dict(case.path_parameters or {})))
    return probes


def another_user_is_refused(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """A resource one user reached answers another user 403 or 404 (read, write, delete)."""
    own = authorization(response)
    if not 200 <= response.status_code < 300 or not case.path_parameters or own is None:
        return None
    if _public(case):
        return None
    user = second_user()
    other = user.authorization(case, response)
    if other == own:
        return None  # the request was the second user's own
    base_url = server_url(case, response)
    for probe in _probes(case):
        answer = _as(probe, other).call(base_url=base_url)
        if answer.status_code == 401:  # the second user's token expired or was revoked
            other = user.authorization(case, response, fresh=True)
            answer = _as(probe, other).call(base_url=base_url)
        assert answer.status_code in REFUSED, (
            f"{probe.method} {probe.formatted_path} answered the owner "
            f"{response.status_code if probe.method == case.method else 'a read'} and another "
            f"user {answer.status_code}, expected 403 or 404: one user reaches another's resource"
        )
    return True
