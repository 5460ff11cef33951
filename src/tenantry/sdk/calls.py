"""What both clients share: request descriptions and the rules for answering them.

Resources describe each API operation once as a ``Call`` (method, path, body, how to read
the answer) or a ``PageCall`` (a paginated list). ``Client`` and ``AsyncClient`` only
execute descriptions, so the two cannot drift: every rule about tokens, retries and errors
lives here, free of I/O.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel

from tenantry.sdk.errors import Unauthenticated, error_from

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = 30.0
TOKEN_MARGIN_SECONDS = 30.0


def _identity(body: Any) -> Any:
    return body


@dataclass(frozen=True)
class Call(Generic[T]):
    """One HTTP request of the API and how to turn its JSON answer into the result."""

    method: str
    path: str
    parse: Callable[[Any], T] = _identity
    params: Mapping[str, Any] | None = None
    json: Any = None
    form: Mapping[str, str] | None = None
    auth: bool = True

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str


@dataclass(frozen=True)
class PageCall(Generic[M]):
    """A paginated list: ``key`` names the items in each answer, ``model`` types them."""

    path: str
    key: str
    model: type[M]
    params: Mapping[str, Any] = field(default_factory=dict)
    page_size: int = 100

    def page(self, token: str | None = None) -> Call[Page[M]]:
        query = {**self.params, "page_size": self.page_size}
        if token:
            query["page_token"] = token
        return Call("GET", self.path, self._parse, params=query)

    def _parse(self, body: Any) -> Page[M]:
        items = [self.model.model_validate(item) for item in body[self.key]]
        return Page(items, str(body.get("next_page_token") or ""))


def one(model: type[M], key: str) -> Callable[[Any], M]:
    """Parse ``{key: {...}}`` into ``model``."""
    return lambda body: model.model_validate(body[key])


def many(model: type[M], key: str) -> Callable[[Any], list[M]]:
    """Parse ``{key: [...]}`` into a list of ``model``."""
    return lambda body: [model.model_validate(item) for item in body[key]]


def nothing(_body: Any) -> None:
    return None


def result(response: httpx.Response) -> Any:
    """The answer's parsed JSON; the typed error for a 4xx/5xx answer."""
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if response.status_code >= 400:
        error = error_from(response.status_code, body)
        if response.status_code == 401 and not isinstance(error, Unauthenticated):
            raise Unauthenticated(401, "unauthenticated", str(body)[:500])
        raise error
    return body


@dataclass(frozen=True)
class RetryPolicy:
    """Idempotent calls are retried ``retries`` times on 429/503 answers and connection errors,
    waiting ``backoff * 2**n`` seconds (or the server's ``Retry-After``, at most 30 s)."""

    retries: int = 3
    backoff: float = 0.25

    def after_error(self, call: Call[Any], attempt: int) -> float | None:
        """Seconds to wait before retrying after a connection error, or None to give up."""
        if not call.idempotent or attempt >= self.retries:
            return None
        return self.backoff * 2**attempt

    def after_answer(self, call: Call[Any], attempt: int, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying after this answer, or None to keep it."""
        if response.status_code not in RETRY_STATUSES or not call.idempotent or attempt >= self.retries:
            return None
        retry_after = response.headers.get("retry-after", "")
        if retry_after.isdigit():
            return min(float(retry_after), MAX_RETRY_AFTER)
        return self.backoff * 2**attempt


class TokenState:
    """The client-credentials token: when to fetch one, and the call that fetches it."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self._form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        self._token: str | None = None
        self._expires = 0.0

    def current(self) -> str | None:
        """The token while it has more than 30 s to live; None when a new one is needed."""
        if self._token is None or time.monotonic() > self._expires - TOKEN_MARGIN_SECONDS:
            return None
        return self._token

    def forget(self) -> None:
        self._token = None

    def fetch(self) -> Call[str]:
        return Call("POST", "/oauth/token", self._store, form=self._form, auth=False)

    def _store(self, body: Any) -> str:
        self._token = str(body["access_token"])
        self._expires = time.monotonic() + float(body.get("expires_in", 300))
        return self._token


@dataclass(frozen=True)
class Send:
    """Action: send this request (with this bearer token); the driver sends back the
    ``httpx.Response`` or throws the ``httpx.TransportError``."""

    call: Call[Any]
    token: str | None

    def request_kwargs(self) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        call = self.call
        return {"params": call.params, "json": call.json, "data": call.form, "headers": headers}


@dataclass(frozen=True)
class Sleep:
    """Action: wait this many seconds, then resume."""

    seconds: float


Plan = Generator[Send | Sleep, Any, T]


def plan(call: Call[T], tokens: TokenState, policy: RetryPolicy) -> Plan[T]:
    """Everything that happens for one call, without doing any I/O: get a token if needed,
    send, retry idempotent calls on 429/503/connection errors with backoff, renew the token
    once on a 401 (expired or revoked), then parse the answer or raise its typed error.
    ``Client`` and ``AsyncClient`` drive this same generator."""
    attempt, renewed = 0, False
    while True:
        token = None
        if call.auth:
            token = tokens.current()
            if token is None:
                token = yield from plan(tokens.fetch(), tokens, policy)
        try:
            response: httpx.Response = yield Send(call, token)
        except httpx.TransportError:
            delay = policy.after_error(call, attempt)
            if delay is None:
                raise
            attempt += 1
            yield Sleep(delay)
            continue
        delay = policy.after_answer(call, attempt, response)
        if delay is not None:
            attempt += 1
            yield Sleep(delay)
            continue
        if call.auth and response.status_code == 401 and not renewed:
            renewed = True
            tokens.forget()
            continue
        return call.parse(result(response))
