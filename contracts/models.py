"""What the platform API answers, as the typed client hands it out: frozen dataclasses.

Each ``parse`` reads the API's camelCase JSON into snake_case fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = [
    "AuthResult",
    "LineItem",
    "Order",
    "Page",
    "Payment",
    "Project",
    "Session",
    "Task",
    "TokenPair",
    "User",
]


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    name: str
    role: str
    status: str
    created_at: str
    updated_at: str

    @classmethod
    def parse(cls, d: dict[str, Any]) -> User:
        return cls(
            d["id"], d["email"], d["name"], d["role"], d["status"], d["createdAt"], d["updatedAt"]
        )


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int

    @classmethod
    def parse(cls, d: dict[str, Any]) -> TokenPair:
        return cls(d["accessToken"], d["refreshToken"], d["tokenType"], d["expiresIn"])


@dataclass(frozen=True, slots=True)
class AuthResult:
    user: User
    tokens: TokenPair


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    owner_id: str
    name: str
    description: str | None
    status: str
    created_at: str
    updated_at: str

    @classmethod
    def parse(cls, d: dict[str, Any]) -> Project:
        return cls(
            d["id"],
            d["ownerId"],
            d["name"],
            d["description"],
            d["status"],
            d["createdAt"],
            d["updatedAt"],
        )


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    project_id: str
    title: str
    description: str | None
    status: str
    priority: str
    due_date: str | None
    created_at: str
    updated_at: str

    @classmethod
    def parse(cls, d: dict[str, Any]) -> Task:
        return cls(
            d["id"],
            d["projectId"],
            d["title"],
            d["description"],
            d["status"],
            d["priority"],
            d["dueDate"],
            d["createdAt"],
            d["updatedAt"],
        )


@dataclass(frozen=True, slots=True)
class LineItem:
    product_id: str
    name: str
    quantity: int
    unit_price: int
    line_total: int


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    user_id: str
    status: str
    currency: str
    items: tuple[LineItem, ...]
    subtotal: int
    total: int
    created_at: str
    updated_at: str

    @classmethod
    def parse(cls, d: dict[str, Any]) -> Order:
        items = tuple(
            LineItem(i["productId"], i["name"], i["quantity"], i["unitPrice"], i["lineTotal"])
            for i in d["items"]
        )
        return cls(
            d["id"],
            d["userId"],
            d["status"],
            d["currency"],
            items,
            d["subtotal"],
            d["total"],
            d["createdAt"],
            d["updatedAt"],
        )


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    order_id: str
    amount: int
    currency: str
    status: str
    payment_method: str
    failure_code: str | None
    created_at: str
    refunded_at: str | None
    replayed: bool = False

    @classmethod
    def parse(cls, d: dict[str, Any], *, replayed: bool = False) -> Payment:
        return cls(
            d["id"],
            d["orderId"],
            d["amount"],
            d["currency"],
            d["status"],
            d["paymentMethod"],
            d["failureCode"],
            d["createdAt"],
            d["refundedAt"],
            replayed,
        )


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    user_id: str
    name: str
    status: str
    metadata: dict[str, str]
    created_at: str
    updated_at: str
    ended_at: str | None

    @classmethod
    def parse(cls, d: dict[str, Any]) -> Session:
        return cls(
            d["id"],
            d["userId"],
            d["name"],
            d["status"],
            dict(d["metadata"]),
            d["createdAt"],
            d["updatedAt"],
            d["endedAt"],
        )


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: the items and the totals across pages."""

    items: list[T]
    page: int
    limit: int
    total: int
    pages: int = field(default=0)
