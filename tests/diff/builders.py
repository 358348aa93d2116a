"""A small API document the diff tests edit, and the edits: ``put``, ``drop``, ``move``.

``base()`` is a fresh copy each time: two users endpoints, a pets endpoint with ``oneOf``
bodies, components for the ``$ref``s. A test states the old and the new document as edits
of it, each edit addressed by a JSON pointer (``-`` appends to a list).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import yaml

from mockserver.diff.model import Finding
from mockserver.diff.operations import diff_documents
from mockserver.spec import pointer as jp
from mockserver.spec.loader import load_spec

__all__ = ["Edit", "base", "diff", "drop", "edited", "load", "move", "put", "rules"]

Edit = Callable[[dict[str, Any]], None]

_BASE = """
openapi: 3.1.0
info: {title: diff tests, version: "1"}
paths:
  /users:
    get:
      operationId: listUsers
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses:
        "200":
          description: users
          headers:
            X-Total: {schema: {type: integer}}
          content:
            application/json:
              schema: {type: array, items: {type: string}}
        "400": {description: bad request}
    post:
      operationId: createUser
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewUser"}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
  /users/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getUser
      responses:
        "200":
          description: a user
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Account"}
        "404": {description: no such user}
  /pets:
    post:
      operationId: addPet
      requestBody:
        content:
          application/json:
            schema:
              oneOf: [{$ref: "#/components/schemas/Cat"}, {$ref: "#/components/schemas/Dog"}]
      responses:
        "200":
          description: the pet
          content:
            application/json:
              schema:
                oneOf: [{$ref: "#/components/schemas/Cat"}, {$ref: "#/components/schemas/Dog"}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    NewUser:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name: {type: string, maxLength: 50}
        role: {type: string, enum: [admin, member]}
        age: {type: integer, minimum: 0}
        id: {type: string, readOnly: true}
    User:
      type: object
      required: [id, name]
      properties:
        id: {type: string}
        name: {type: string}
        status: {type: string, enum: [active, gone]}
        password: {type: string, writeOnly: true}
    Account:
      type: object
      required: [id]
      properties:
        id: {type: string}
        parent: {$ref: "#/components/schemas/Account"}
        children: {type: array, items: {$ref: "#/components/schemas/Account"}}
    Cat:
      type: object
      required: [meow]
      properties: {meow: {type: boolean}}
    Dog:
      type: object
      required: [bark]
      properties: {bark: {type: integer}}
"""


@cache
def _parsed() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(_BASE)
    return parsed


def base() -> dict[str, Any]:
    """A fresh copy of the base document."""
    return copy.deepcopy(_parsed())


def _parent(document: dict[str, Any], pointer: str) -> tuple[Any, str]:
    tokens = jp.split(pointer)
    return jp.resolve(document, tokens[:-1]), tokens[-1]


def put(pointer: str, value: Any) -> Edit:
    """Set the value at ``pointer`` (``.../-`` appends to a list)."""

    def edit(document: dict[str, Any]) -> None:
        parent, last = _parent(document, pointer)
        if isinstance(parent, list):
            if last == "-":
                parent.append(copy.deepcopy(value))
            else:
                parent[int(last)] = copy.deepcopy(value)
        else:
            parent[last] = copy.deepcopy(value)

    return edit


def drop(pointer: str) -> Edit:
    """Remove what ``pointer`` names."""

    def edit(document: dict[str, Any]) -> None:
        parent, last = _parent(document, pointer)
        del parent[int(last) if isinstance(parent, list) else last]

    return edit


def move(source: str, target: str) -> Edit:
    """Move what ``source`` names to ``target``."""

    def edit(document: dict[str, Any]) -> None:
        value = jp.resolve(document, source)
        drop(source)(document)
        put(target, value)(document)

    return edit


def edited(edits: Iterable[Edit], document: dict[str, Any] | None = None) -> dict[str, Any]:
    """``document`` (the base by default) with ``edits`` applied, in order."""
    document = base() if document is None else document
    for edit in edits:
        edit(document)
    return document


def load(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` bundled and normalized, as ``mockserver diff`` compares it."""
    return load_spec(document, validate=False).document


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    """The findings between two documents as ``mockserver diff`` loads them."""
    return diff_documents(load(old), load(new))


def rules(findings: Iterable[Finding]) -> list[str]:
    """The rule ids of ``findings``, sorted."""
    return sorted(finding.rule for finding in findings)
