"""A typed client of the platform API: what a frontend's data layer would be.

``PlatformClient`` wraps one ``httpx.Client`` whose base URL is the API root
(``https://host/api/v1``). Every method sends one request and answers a typed result; an
error answer raises `ApiError` (or a subclass by status) carrying the RFC 9457 problem::

    with PlatformClient("http://127.0.0.1:4010/api/v1") as api:
        auth = api.login("ada@example.com", "correct-horse-7")
        api.token = auth.tokens.access_token
        project = api.create_project("Website relaunch")

Exceptions::

    ApiError                 any 4xx/5xx problem answer
    ├── BadRequest           400: the request broke a rule (``problem.errors`` lists where)
    ├── Unauthorized         401: no token, a bad one, or wrong credentials
    ├── Forbidden            403: someone else's resource, or a blocked account
    ├── NotFound             404
    ├── PaymentDeclined      402: the payment method was declined (``problem.code``)
    ├── Conflict             409: the resource's state forbids it, or a key was reused
    └── TooManyRequests      429: throttled (``retry_after`` seconds, from ``Retry-After``)

The exceptions and `Problem` live in `contracts.errors`, the answers' dataclasses in
`contracts.models`; both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from contracts.errors import (
    ApiError,
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    PaymentDeclined,
    Problem,
    TooManyRequests,
    Unauthorized,
    api_error,
)
from contracts.models import (
    AuthResult,
    LineItem,
    Order,
    Page,
    Payment,
    Project,
    Session,
    Task,
    TokenPair,
    User,
)

__all__ = [
    "ApiError",
    "AuthResult",
    "BadRequest",
    "Conflict",
    "FieldError",
    "Forbidden",
    "LineItem",
    "NotFound",
    "Order",
    "Page",
    "Payment",
    "PaymentDeclined",
    "PlatformClient",
    "Problem",
    "Project",
    "Session",
    "Task",
    "TokenPair",
    "TooManyRequests",
    "Unauthorized",
    "User",
]

T = TypeVar("T")


class PlatformClient:
    """The platform API over HTTP; ``token`` is sent as the bearer when set."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.token = token
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout, trust_env=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- auth ------------------------------------------------------------------------------

    def register(self, email: str, password: str, name: str) -> User:
        """Create an account (409 `Conflict` when the email is taken)."""
        body = {"email": email, "password": password, "name": name, "acceptTerms": True}
        return User.parse(self._json("POST", "/auth/register", json=body))

    def login(self, email: str, password: str) -> AuthResult:
        """Exchange credentials for tokens; remembers the access token."""
        data = self._json("POST", "/auth/login", json={"email": email, "password": password})
        result = AuthResult(User.parse(data["user"]), TokenPair.parse(data["tokens"]))
        self.token = result.tokens.access_token
        return result

    def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate a refresh token; remembers the new access token."""
        pair = TokenPair.parse(
            self._json("POST", "/auth/refresh", json={"refreshToken": refresh_token})
        )
        self.token = pair.access_token
        return pair

    def logout(self, refresh_token: str | None = None, *, all_devices: bool = False) -> None:
        """Revoke one refresh token, or with ``all_devices`` every token of the user."""
        body: dict[str, Any] = {"allDevices": True} if all_devices else {}
        if refresh_token is not None:
            body["refreshToken"] = refresh_token
        self._send("POST", "/auth/logout", json=body)

    def me(self) -> User:
        """The user the token belongs to."""
        return User.parse(self._json("GET", "/auth/me"))

    # -- projects and tasks -----------------------------------------------------------------

    def list_projects(self, *, page: int | None = None, limit: int | None = None) -> Page[Project]:
        """One page of the caller's projects (the server's defaults unless given)."""
        params = _without_none({"page": page, "limit": limit})
        data = self._json("GET", "/projects", params=params)
        return _page(data, Project.parse)

    def create_project(
        self, name: str, *, description: str | None = None, status: str | None = None
    ) -> Project:
        """A new project of the caller."""
        body = _without_none({"name": name, "description": description, "status": status})
        return Project.parse(self._json("POST", "/projects", json=body))

    def get_project(self, project_id: str) -> Project:
        """One project (`NotFound`, `Forbidden`)."""
        return Project.parse(self._json("GET", f"/projects/{project_id}"))

    def update_project(self, project_id: str, **changes: Any) -> Project:
        """Change some fields (``name``, ``description``, ``status``)."""
        return Project.parse(self._json("PATCH", f"/projects/{project_id}", json=changes))

    def delete_project(self, project_id: str) -> None:
        """Delete a project and its tasks."""
        self._send("DELETE", f"/projects/{project_id}")

    def list_tasks(self, project_id: str) -> Page[Task]:
        """The first page of a project's tasks."""
        return _page(self._json("GET", f"/projects/{project_id}/tasks"), Task.parse)

    def create_task(
        self,
        project_id: str,
        title: str,
        *,
        priority: str | None = None,
        due_date: str | None = None,
    ) -> Task:
        """A new task in a project."""
        body = _without_none({"title": title, "priority": priority, "dueDate": due_date})
        return Task.parse(self._json("POST", f"/projects/{project_id}/tasks", json=body))

    def get_task(self, project_id: str, task_id: str) -> Task:
        """One task."""
        return Task.parse(self._json("GET", f"/projects/{project_id}/tasks/{task_id}"))

    def update_task(self, project_id: str, task_id: str, **changes: Any) -> Task:
        """Change some fields (``title``, ``status``, ``priority``, ...)."""
        path = f"/projects/{project_id}/tasks/{task_id}"
        return Task.parse(self._json("PATCH", path, json=_camel(changes)))

    def delete_task(self, project_id: str, task_id: str) -> None:
        """Delete a task."""
        self._send("DELETE", f"/projects/{project_id}/tasks/{task_id}")

    # -- orders and payments ------------------------------------------------------------------

    def create_order(self, currency: str, items: list[dict[str, Any]]) -> Order:
        """Place an order; ``items`` are ``{productId, name, quantity, unitPrice}``."""
        return Order.parse(
            self._json("POST", "/orders", json={"currency": currency, "items": items})
        )

    def get_order(self, order_id: str) -> Order:
        """One order."""
        return Order.parse(self._json("GET", f"/orders/{order_id}"))

    def list_orders(self) -> Page[Order]:
        """The first page of the caller's orders."""
        return _page(self._json("GET", "/orders"), Order.parse)

    def cancel_order(self, order_id: str) -> Order:
        """Cancel a pending order (`Conflict` otherwise)."""
        return Order.parse(self._json("POST", f"/orders/{order_id}/cancel"))

    def pay_order(self, order_id: str, payment_method: str, *, idempotency_key: str) -> Payment:
        """Charge an order (`PaymentDeclined` on a decline); retries reuse the key."""
        response = self._send(
            "POST",
            f"/orders/{order_id}/payments",
            json={"paymentMethod": payment_method},
            headers={"Idempotency-Key": idempotency_key},
        )
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        return Payment.parse(response.json(), replayed=replayed)

    def get_payment(self, payment_id: str) -> Payment:
        """One payment."""
        return Payment.parse(self._json("GET", f"/payments/{payment_id}"))

    # -- sessions ---------------------------------------------------------------------------

    def create_session(self, name: str, *, metadata: dict[str, str] | None = None) -> Session:
        """Open a session."""
        body = _without_none({"name": name, "metadata": metadata})
        return Session.parse(self._json("POST", "/sessions", json=body))

    def get_session(self, session_id: str) -> Session:
        """One session."""
        return Session.parse(self._json("GET", f"/sessions/{session_id}"))

    def update_session(self, session_id: str, **changes: Any) -> Session:
        """Change ``name``, ``status`` (active/idle) or ``metadata`` (`Conflict` once ended)."""
        return Session.parse(self._json("PATCH", f"/sessions/{session_id}", json=changes))

    def end_session(self, session_id: str) -> Session:
        """End a session; it stays readable."""
        return Session.parse(self._json("POST", f"/sessions/{session_id}/end"))

    # -- transport --------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self._http.request(method, path.lstrip("/"), headers=headers, **kwargs)
        if response.status_code >= 400:
            try:
                data = response.json()
            except ValueError:
                data = None
            retry_after = response.headers.get("retry-after")
            raise api_error(response.status_code, data, retry_after=retry_after)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        data = self._send(method, path, **kwargs).json()
        if not isinstance(data, dict):
            raise ApiError(Problem(500, "unexpected_body", f"expected an object from {path}"))
        return data


def _page(data: dict[str, Any], parse: Callable[[dict[str, Any]], T]) -> Page[T]:
    pagination = data["pagination"]
    return Page(
        [parse(item) for item in data["data"]],
        pagination["page"],
        pagination["limit"],
        pagination["total"],
        pagination["pages"],
    )


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def _camel(changes: dict[str, Any]) -> dict[str, Any]:
    return {"dueDate" if k == "due_date" else k: v for k, v in changes.items()}
