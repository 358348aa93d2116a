"""The pacts of a Pact Broker: the latest pact of each consumer of a provider, read over HTTP.

The broker's HAL API is followed from its index (``GET /``): the ``pb:latest-provider-pacts``
link (``pb:latest-provider-pacts-with-tag`` for a consumer version tag), templated with the
provider's name, lists the pacts as ``_links["pb:pacts"]`` (``pacts`` on brokers before 2.x:
the deprecated relation), each fetched by its ``href``. A broker whose index lacks the link is
asked at the documented path, ``/pacts/provider/{provider}/latest[/{tag}]``. Each pact is read
into interactions exactly as a pact file is (`mockserver.diff.impact.pact_interactions`).

Credentials are those of the pact tools: a bearer token, else a username and a password (basic
auth); they are sent only to the broker's own origin, never to a link pointing elsewhere.
Whatever goes wrong (the broker down, a refusal, an unknown provider, an answer that is not
HAL) raises `DiffError` naming the URL and how to fix it; credentials are never printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import httpx

from mockserver.diff.impact import Interaction, pact_interactions
from mockserver.errors import DiffError

__all__ = ["Broker", "fetch_broker_pacts"]

_ACCEPT = "application/hal+json, application/json;q=0.9"
_CREDENTIALS_HINT = (
    "check --broker-token (PACT_BROKER_TOKEN) or --broker-username and --broker-password "
    "(PACT_BROKER_USERNAME, PACT_BROKER_PASSWORD)"
)


@dataclass(frozen=True, slots=True)
class Broker:
    """Where the pacts are and who asks: the broker's base URL, the provider's name as the
    broker knows it, the credentials, and optionally a consumer version tag (``prod``)."""

    url: str
    provider: str
    token: str | None = None
    username: str | None = None
    password: str | None = None
    tag: str | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DiffError(
                f"--broker-url {_shown(self.url)}: expected an http(s) URL, "
                "e.g. https://broker.example.com"
            )
        if not self.provider:
            raise DiffError("--provider: name the provider as the Pact Broker knows it")


def fetch_broker_pacts(
    broker: Broker, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
) -> list[Interaction]:
    """The HTTP interactions of the latest pact of every consumer of ``broker.provider``
    (``transport``: how requests travel, the network unless told)."""
    with httpx.Client(timeout=timeout, follow_redirects=True, transport=transport) as client:
        session = _Session(broker, client)
        base = broker.url.rstrip("/") + "/"
        listing = _latest_pacts_url(broker, session.get_json(base, optional=True), base)
        answer = session.get_json(listing, not_found=_unknown_provider(broker))
        interactions: list[Interaction] = []
        for link in _links(answer, "pb:pacts") or _links(answer, "pacts"):
            href = urljoin(listing, str(link["href"]))
            pact = session.get_json(href)
            name = link.get("name")
            consumer = str(name) if isinstance(name, str) and name else "?"
            interactions.extend(pact_interactions(pact, source=_shown(href), consumer=consumer))
        return interactions


def _latest_pacts_url(broker: Broker, index: Any, base: str) -> str:
    """The templated link of the index, else the documented path."""
    relation = "pb:latest-provider-pacts" + ("-with-tag" if broker.tag else "")
    found = _links(index, relation)
    template = str(found[0]["href"]) if found else None
    if template is None or "{provider}" not in template:
        template = base + "pacts/provider/{provider}/latest" + ("/{tag}" if broker.tag else "")
    url = template.replace("{provider}", quote(broker.provider, safe=""))
    return url.replace("{tag}", quote(broker.tag or "", safe=""))


def _links(document: Any, relation: str) -> list[dict[str, Any]]:
    """The links of a HAL document under ``relation`` (one link or a list of them)."""
    links = document.get("_links") if isinstance(document, dict) else None
    found = links.get(relation) if isinstance(links, dict) else None
    listed = found if isinstance(found, list) else [found]
    return [link for link in listed if isinstance(link, dict) and isinstance(link.get("href"), str)]


def _unknown_provider(broker: Broker) -> str:
    tagged = f" with a consumer version tagged {broker.tag!r}" if broker.tag else ""
    return (
        f"the Pact Broker has no pacts for provider {broker.provider!r}{tagged}; "
        "check --provider (the name consumers publish their pacts for)"
        + (" and --consumer-version-tag" if broker.tag else "")
    )


@dataclass(slots=True)
class _Session:
    broker: Broker
    client: httpx.Client

    def get_json(self, url: str, *, optional: bool = False, not_found: str = "") -> Any:
        """The JSON at ``url``; None for an ``optional`` one the broker cannot answer well."""
        shown = _shown(url)
        where = f"--broker-url {_shown(self.broker.url)}"
        try:
            answer = self.client.get(url, headers=self._headers(url))
        except httpx.TimeoutException:
            raise DiffError(
                f"{where}: the Pact Broker did not answer GET {shown} in time; check that it is up"
            ) from None
        except httpx.HTTPError as error:
            raise DiffError(
                f"{where}: cannot reach the Pact Broker (GET {shown}: {_reason(error)}); "
                "check the URL and that the broker is up"
            ) from None
        status = answer.status_code
        if status in (401, 403):
            sent = "" if self._credentials() else " (no credentials were given)"
            raise DiffError(
                f"{where}: the Pact Broker refused GET {shown} with {status} "
                f"{answer.reason_phrase}{sent}; {_CREDENTIALS_HINT}"
            )
        if status == 404 and not_found:
            raise DiffError(f"{where}: GET {shown} answered 404: {not_found}")
        if status != 200:
            if optional:
                return None
            raise DiffError(
                f"{where}: the Pact Broker answered GET {shown} with {status} "
                f"{answer.reason_phrase}; expected 200 and JSON"
            )
        try:
            return answer.json()
        except ValueError:
            if optional:
                return None
            kind = answer.headers.get("content-type", "no content type")
            raise DiffError(
                f"{where}: GET {shown} answered something that is not JSON ({kind}); "
                "is this the Pact Broker's base URL?"
            ) from None

    def _credentials(self) -> bool:
        return bool(self.broker.token or self.broker.username)

    def _headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": _ACCEPT}
        if _origin(url) != _origin(self.broker.url):
            return headers  # a link to another host gets no credentials
        if self.broker.token:
            headers["Authorization"] = f"Bearer {self.broker.token}"
        elif self.broker.username:
            auth = httpx.BasicAuth(self.broker.username, self.broker.password or "")
            request = next(auth.auth_flow(httpx.Request("GET", url)))
            headers["Authorization"] = request.headers["Authorization"]
        return headers


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _shown(url: str) -> str:
    """``url`` without a ``user:password@`` part, to be printed."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _reason(error: httpx.HTTPError) -> str:
    text = str(error).strip()
    return text or type(error).__name__
