"""Infers the resources of any spec from its shape, so state needs no configuration.

An item path ``X/{id}`` with a GET makes a resource whose collection is ``X``. Then:

- POST ``X`` creates, GET ``X`` lists, PUT/PATCH/DELETE ``X/{id}`` replace, merge and delete;
  PUT/PATCH ``X`` replace and merge the record whose id the body holds;
- parameters in ``X`` (``/projects/{projectId}/tasks``) scope the resource to a parent, the
  resource whose item path is the prefix; deleting the parent deletes the children;
- ``readOnly`` properties are the server's: the id, owner and parent fields, timestamps,
  ``default``s and ``x-mock-compute`` expressions;
- a property named like ``ownerId``/``userId`` marks the owner: others get 403, lists filter.

Behaviour the shape cannot tell (log in, pay, cancel) is declared on the operation with
``x-mock-action`` and ``x-mock-guard`` (see `mockserver.state.actions`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mockserver.compile.expressions import Expression
from mockserver.compile.operations import Operation, follow
from mockserver.compile.schemas import object_properties, schema_members, schema_types

__all__ = [
    "OWNER",
    "PARENT",
    "SEQUENCE",
    "UNLISTED",
    "ListShape",
    "Resource",
    "ResourceModel",
    "Role",
    "property_attribute",
]

# The bookkeeping fields of a stored record (hidden: never in a response).
OWNER = "__owner__"  # the id of the user the record belongs to (None: everyone's)
PARENT = "__parent__"  # the path parameters of its parents: {"projectId": ...}
SEQUENCE = "__seq__"  # orders records by creation
UNLISTED = "__unlisted__"  # a record made for a read that the lists' item schema refuses

Role = Literal["create", "list", "read", "replace", "update", "delete"]

OWNER_FIELDS = ("ownerId", "owner_id", "userId", "user_id", "createdBy", "created_by")
CREATED_FIELDS = ("createdAt", "created_at", "created", "creationDate")
UPDATED_FIELDS = ("updatedAt", "updated_at", "updated", "modifiedAt", "modified_at")
PAGE_PARAMS = ("page", "pageNumber", "page_number")
SIZE_PARAMS = ("limit", "per_page", "perPage", "pageSize", "page_size", "size")
OFFSET_PARAMS = ("offset", "skip")
SEARCH_PARAMS = ("q", "query", "search")
_PARAM = re.compile(r"\{([^{}/]+)\}")
_COUNT = re.compile(r"total|count", re.IGNORECASE)
_ITEM_ROLES: dict[str, Role] = {
    "get": "read",
    "put": "replace",
    "patch": "update",
    "delete": "delete",
}


def property_attribute(schema: Any, document: Mapping[str, Any], key: str) -> Any:
    """A keyword of a property, looking through its ``$ref`` (own keywords win)."""
    node: Any = schema
    for _ in range(16):
        if not isinstance(node, Mapping):
            return None
        if key in node:
            return node[key]
        if not isinstance(node.get("$ref"), str):
            return None
        node, _ = follow(document, {"$ref": node["$ref"]}, "")
    return None


def _arrays_of_one_of(schema: Any, document: Mapping[str, Any]) -> bool:
    """Whether ``schema`` is a ``oneOf`` with several array branches: the mock cannot tell
    which kind of list it holds, and an empty one matches each branch, which oneOf refuses."""
    branches = property_attribute(schema, document, "oneOf")
    if not isinstance(branches, list):
        return False
    arrays = [b for b in branches if "array" in (schema_types(b, document) or frozenset())]
    return len(arrays) > 1


def _holds_objects(array: Any, document: Mapping[str, Any]) -> bool:
    """Whether the list's items may be records: an array of names (strings) holds none."""
    items = property_attribute(array, document, "items")
    types = schema_types(items, document)
    return types is None or "object" in types


def _is_the_record(envelope: dict[str, Any], resource: Resource) -> bool:
    """Whether a list operation's body declares the record itself, not a list of records:
    it has the record's id field and most of its properties (GET ``/orders`` answering one
    order, its array ``trackingNumbers`` no list of orders)."""
    own = resource.properties
    if resource.id_field not in own or resource.id_field not in envelope:
        return False
    return 2 * len(own.keys() & envelope.keys()) >= len(own)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True, slots=True)
class ListShape:
    """How a list operation wraps its items."""

    data: str | None  # the array property, None when the body is the array itself
    pagination: str | None  # the pagination object property, if any
    page_param: str | None
    size_param: str | None
    offset_param: str | None
    search_param: str | None
    filters: tuple[str, ...]  # query parameters that filter on a field of the same name
    # The body is an object with no array property to hold the items: the shape is not
    # understood, and the stateless answer (schema-valid) is given instead.
    opaque: bool = False
    # Integer properties of the envelope that count the items (total_count, totalElements).
    counts: tuple[str, ...] = ()
    # The fewest items the array admits: a page with fewer gets the stateless answer.
    min_items: int = 0


@dataclass(slots=True)
class Resource:
    """One collection of records and how it is addressed."""

    collection: str
    item: str
    id_param: str
    schema: Any  # the item's response schema
    parent: Resource | None = None
    parent_params: tuple[str, ...] = ()
    id_field: str = "id"
    owner_field: str | None = None
    parent_fields: dict[str, str] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, Expression] = field(default_factory=dict)
    id_is_integer: bool = False
    # How messages name one record: ``/projects/{projectId}/tasks`` -> ``task`` (worked out
    # once: every write's change event asks).
    noun: str = field(init=False)

    def __post_init__(self) -> None:
        self.noun = self.collection.rsplit("/", 1)[-1].rstrip("s") or "resource"

    @property
    def name(self) -> str:
        """The key records are stored under."""
        return self.collection


def _item_paths(operations: list[Operation]) -> dict[str, Operation]:
    reads = {}
    for op in operations:
        if op.method == "get" and re.search(r"/\{[^{}/]+\}$", op.path):
            reads[op.path] = op
    return reads


def _success_schema(op: Operation) -> Any:
    """The JSON schema a success answers: the first 2xx's, else ``default``'s, which the mock
    answers with 200 when no 2xx is declared (xtrf.eu's reads declare only ``default``)."""
    statuses = [s for s in sorted(op.responses) if s.startswith("2")] or ["DEFAULT"]
    for status in statuses:
        if status not in op.responses:
            continue
        for name, media in op.responses[status].content.items():
            if "json" in name or name in ("*/*", "application/*"):
                return media.schema
    return None


class ResourceModel:
    """The resources of a document and the CRUD role of each operation."""

    def __init__(self, document: Mapping[str, Any], operations: list[Operation]) -> None:
        self.document = document
        self.operations = operations
        self.resources: dict[str, Resource] = {}
        self.roles: dict[tuple[str, str], tuple[Role, Resource]] = {}
        self.list_shapes: dict[tuple[str, str], ListShape] = {}
        self._by_item: dict[str, Resource] = {}
        reads = _item_paths(operations)
        for item in sorted(reads, key=len):
            collection, _, last = item.rpartition("/")
            id_param = last[1:-1]
            resource = Resource(
                collection=collection,
                item=item,
                id_param=id_param,
                schema=_success_schema(reads[item]),
                parent_params=tuple(_PARAM.findall(collection)),
            )
            resource.parent = self._parent_of(collection)
            self._describe(resource, reads[item])
            replaced = self.resources.get(collection)
            if replaced is not None:
                del self._by_item[replaced.item]
            self.resources[collection] = resource
            self._by_item[item] = resource
        for op in operations:
            self._assign_role(op)

    def _parent_of(self, collection: str) -> Resource | None:
        """The resource whose item path is the longest prefix of ``collection``."""
        end = collection.rfind("/")
        while end > 0:  # by lookup, not by scanning every resource: start-up stays linear
            parent = self._by_item.get(collection[:end])
            if parent is not None:
                return parent
            end = collection.rfind("/", 0, end)
        return None

    def _describe(self, resource: Resource, read: Operation) -> None:
        props = object_properties(resource.schema, self.document)
        resource.properties = props
        if resource.id_param in props:  # /users/{username}: the username is the key
            resource.id_field = resource.id_param
        elif "id" not in props:
            candidates = [n for n in props if n.lower() == resource.id_param.lower()]
            resource.id_field = candidates[0] if candidates else "id"
        id_schema = props.get(resource.id_field)
        if id_schema is None:  # the schema shows no id: the path parameter says its type
            id_schema = next(
                (p.schema for p in read.parameters
                 if p.location == "path" and p.name == resource.id_param),
                None,
            )  # fmt: skip
        id_types = schema_types(id_schema, self.document) or frozenset()
        resource.id_is_integer = "integer" in id_types and "string" not in id_types
        resource.owner_field = next(
            (n for n in OWNER_FIELDS if n in props and self._read_only(props[n])), None
        )
        for param in resource.parent_params:
            if param in props:
                resource.parent_fields[param] = param
        for name, schema in props.items():
            source = property_attribute(schema, self.document, "x-mock-compute")
            if isinstance(source, str):
                resource.computed[name] = Expression(source, where=f"{read.pointer} {name}")

    def _read_only(self, schema: Any) -> bool:
        return bool(property_attribute(schema, self.document, "readOnly"))

    def _assign_role(self, op: Operation) -> None:
        key = (op.method, op.path)
        item_resource = self._by_item.get(op.path)
        if item_resource is not None:
            if op.method in _ITEM_ROLES:
                self.roles[key] = (_ITEM_ROLES[op.method], item_resource)
            return
        collection = self.resources.get(op.path)
        if collection is None:
            return
        if op.method == "post":
            self.roles[key] = ("create", collection)
        elif op.method in ("put", "patch") and collection.id_field in collection.properties:
            # PUT /pet with the pet in the body (Swagger's petstore): its id says which.
            self.roles[key] = (_ITEM_ROLES[op.method], collection)
        elif op.method == "get":
            self.roles[key] = ("list", collection)
            self.list_shapes[key] = self._list_shape(op, collection)

    def _list_shape(self, op: Operation, resource: Resource) -> ListShape:
        schema = _success_schema(op)
        data = pagination = None
        counts: list[str] = []
        bare = "array" in (schema_types(schema, self.document) or frozenset())
        array = schema if bare else None
        envelope = {} if bare else object_properties(schema, self.document)
        if not bare:
            for name, sub in envelope.items():
                types = schema_types(sub, self.document) or frozenset()
                if _COUNT.search(name) and types == frozenset({"integer"}):
                    counts.append(name)
                if "array" in types and data is None:
                    data, array = name, sub
                elif "object" in types and pagination is None:
                    nested = object_properties(sub, self.document)
                    if {"total", "page"} & set(nested) or {"total", "limit"} & set(nested):
                        pagination = name
        query = [p.name for p in op.parameters if p.location == "query"]

        def pick(names: tuple[str, ...]) -> str | None:
            return next((n for n in names if n in query), None)

        special = {pick(PAGE_PARAMS), pick(SIZE_PARAMS), pick(OFFSET_PARAMS), pick(SEARCH_PARAMS)}
        filters = tuple(n for n in query if n not in special and n in resource.properties)
        return ListShape(
            data=data,
            pagination=pagination,
            page_param=pick(PAGE_PARAMS),
            size_param=pick(SIZE_PARAMS),
            offset_param=pick(OFFSET_PARAMS),
            search_param=pick(SEARCH_PARAMS),
            filters=filters,
            opaque=(not bare and data is None)
            or _is_the_record(envelope, resource)
            or _arrays_of_one_of(array, self.document)
            or not _holds_objects(array, self.document),
            counts=tuple(counts),
            min_items=max(
                (_int(m.get("minItems")) for m in schema_members(array, self.document)),
                default=0,
            ),
        )

    def resource_for_path(self, path: str) -> Resource | None:
        """The resource whose item path is a prefix of ``path`` (``/orders/{orderId}/cancel``)."""
        return self._by_item.get(path) or self._parent_of(path)

    def children(self, resource: Resource) -> list[Resource]:
        """Resources whose parent is ``resource``."""
        return [r for r in self.resources.values() if r.parent is resource]
