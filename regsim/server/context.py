"""What a request handler works with: the request, the caller's identity, the model gate, and
helpers to read bodies and build replies."""

from __future__ import annotations

import numbers
import json
from dataclasses import dataclass
import re
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..errors import RegistryError, SizeInvalid, expect
from ..registry import Registry
from ..registry.access import Token
from .auth import Identity
from .state import ServerState

if TYPE_CHECKING:  # pragma: no cover
    from .staging import Staged

__all__ = ["Context", "reply", "json_reply", "BytesReply", "StreamReply", "ErrorReply", "BodyTooLarge"]

T = TypeVar("T")
Headers = Iterable[tuple[str, str]]
#: A request handler: the reply to one request.
Handler = Callable[["Context"], Awaitable[Response]]
#: A route table: path pattern -> {method: (handler, the access it needs, or None)}.
Routes = list[tuple[re.Pattern[str], dict[str, tuple[Handler, "str | None"]]]]

#: Response bodies are written in slices of this size (memory stays flat for large blobs).
SEND_CHUNK = 4 << 20


def reply(status: int, headers: Headers = (), *, body: bytes = b"", content_length: int | None = None) -> Response:
    """A response with exactly ``headers`` (repeated names allowed)."""
    expect("status", status, numbers.Integral, "an int")
    response = Response(body, status_code=status)
    raw = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers]
    if status not in (204, 304) or content_length is not None:  # RFC 9110: no length on 204
        length = len(body) if content_length is None else content_length
        raw.append((b"content-length", str(length).encode()))
    response.raw_headers = raw
    return response


def json_reply(status: int, value: Any, headers: Headers = (), *,
               media_type: str = "application/json") -> Response:
    expect("status", status, numbers.Integral, "an int")
    body = json.dumps(value, separators=(",", ":")).encode()
    return reply(status, [("Content-Type", media_type), *headers], body=body)


class BytesReply(Response):
    """A (possibly large) body sent in :data:`SEND_CHUNK` slices."""

    def __init__(self, status: int, headers: Headers, data: bytes) -> None:
        expect("status", status, numbers.Integral, "an int")
        expect("data", data, (bytes, bytearray, memoryview), "bytes")
        super().__init__(b"", status_code=status)
        self.raw_headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers]
        self.raw_headers.append((b"content-length", str(len(data)).encode()))
        self.data = data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        view = memoryview(self.data)  # slices of a memoryview copy nothing
        for start in range(0, len(view), SEND_CHUNK):
            end = start + SEND_CHUNK
            await send({"type": "http.response.body", "body": view[start:end], "more_body": end < len(view)})
        if not view:
            await send({"type": "http.response.body", "body": b""})


class BodyTooLarge(SizeInvalid):
    """A request body larger than the server accepts (413, the spec's ``SIZE_INVALID``)."""

    status = 413


class StreamReply(Response):
    """A body read in pieces from an iterator of bytes (a blob kept on disk)."""

    def __init__(self, status: int, headers: Headers, size: int, pieces: Iterable[bytes | memoryview]) -> None:
        expect("status", status, numbers.Integral, "an int")
        expect("size", size, numbers.Integral, "an int")
        super().__init__(b"", status_code=status)
        self.raw_headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers]
        self.raw_headers.append((b"content-length", str(size).encode()))
        self.pieces = pieces

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        for piece in self.pieces:
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


@dataclass
class Context:
    """One request being handled: ``app`` is the server's state as handlers see it
    (:class:`~regsim.server.state.ServerState`)."""

    app: ServerState
    request: Request
    params: dict[str, str]
    identity: Identity
    action: str | None = None

    @property
    def registry(self) -> Registry:
        return self.app.registry

    @property
    def auth(self) -> Token | None:
        """The model :class:`~regsim.registry.access.Token` to pass as ``auth=`` (None: anonymous)."""
        return self.identity.token

    @property
    def name(self) -> str:
        return self.params["name"]

    @property
    def head(self) -> bool:
        return self.request.method == "HEAD"

    def query(self, key: str) -> str | None:
        return self.request.query_params.get(key)

    def query_list(self, key: str) -> list[str]:
        return self.request.query_params.getlist(key)

    def header(self, key: str) -> str | None:
        return self.request.headers.get(key)

    async def model(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call into the model under the lock (see :mod:`regsim.server.gate`)."""
        return await self.app.gate(fn, *args, **kwargs)

    async def body(self, *, limit: int | None = None,
                   too_large: Callable[[int], RegistryError] | None = None) -> bytes:
        """The whole request body, streamed in; ``too_large(size)`` is raised past ``limit``
        (by default the server's ``max_body_size``: 413 ``SIZE_INVALID``).

        A client that disconnects raises :class:`starlette.requests.ClientDisconnect` before
        anything reaches the model.
        """
        if limit is None:
            limit = self.app.max_body_size
            too_large = self._too_large
        declared = self.header("content-length")
        if declared is not None and (not declared.isdigit() or not declared.isascii() or len(declared) > 18):
            raise SizeInvalid(f"invalid Content-Length {declared[:40]!r}", detail=declared[:40])
        if limit is not None and declared is not None and int(declared) > limit:
            raise too_large(int(declared))  # type: ignore[misc]
        parts: list[bytes] = []
        size = 0
        async for chunk in self.request.stream():
            if not chunk:
                continue
            parts.append(chunk)
            size += len(chunk)
            if limit is not None and size > limit:
                raise too_large(size)  # type: ignore[misc]
        return parts[0] if len(parts) == 1 else b"".join(parts)


    def _too_large(self, size: int) -> BodyTooLarge:
        limit = self.app.max_body_size
        return BodyTooLarge(f"request body of {size} bytes is larger than the {limit} bytes this server accepts",
                            detail={"size": size, "limit": limit})


    async def stage(self, *, sha256: bool = False) -> "Staged":
        """The request body, staged piece by piece (never joined; on disk for a persistent
        registry); at most the server's ``max_body_size``. Discard it when done."""
        from pathlib import Path

        from .staging import Staged

        limit = self.app.max_body_size
        declared = self.header("content-length")
        if declared is not None and (not declared.isdigit() or not declared.isascii() or len(declared) > 18):
            raise SizeInvalid(f"invalid Content-Length {declared[:40]!r}", detail=declared[:40])
        if declared is not None and int(declared) > limit:
            raise self._too_large(int(declared))
        root = getattr(self.registry, "storage_root", None)
        staged = Staged(Path(root) / ".regsim-tmp" if root is not None else None, sha256=sha256)
        try:
            async for chunk in self.request.stream():
                if chunk:
                    staged.append(chunk)
                    if staged.size > limit:
                        raise self._too_large(staged.size)
        except BaseException:
            staged.discard()
            raise
        return staged


class ErrorReply(RegistryError):
    """A model error to send with extra headers (``Location``/``Range`` after a 416, ...): the
    :class:`~regsim.errors.RegistryError` ``error``, whose code, status and message it carries."""

    def __init__(self, error: RegistryError, headers: Headers = ()) -> None:
        super().__init__(error.message, detail=error.detail)
        self.code, self.status = error.code, error.status
        self.error = error
        self.headers = list(headers)
