"""Request heads bounded while they arrive: uvicorn's HTTP parsers with a size cap.

uvicorn's httptools parser keeps a request line and headers of any size (an 8 MB header was
read whole, then handed to the app). :class:`BoundedHttpToolsProtocol` counts the bytes of a
request head as they arrive and, past :data:`~regsim.server.limits.MAX_HEAD`, answers
``431 Request Header Fields Too Large`` and closes the connection, without parsing or echoing
any of it. uvicorn's h11 parser has its own cap (``h11_max_incomplete_event_size``), which
:func:`protocol_options` sets to the same size (h11 answers such a head with a 400).
"""

from __future__ import annotations

import numbers
import json
from typing import Any

from ..errors import InvalidArgument, expect
from .limits import MAX_HEAD

__all__ = ["BoundedHttpToolsProtocol", "protocol_options", "head_too_large"]


def head_too_large(limit: int = MAX_HEAD) -> bytes:
    """The whole ``431`` response, with the spec's JSON error body (nothing of the request in it)."""
    expect("limit", limit, numbers.Integral, "an int")
    body = json.dumps({"errors": [{"code": "SIZE_INVALID", "message":
                                   f"request line and headers are larger than {limit} bytes",
                                   "detail": {"limit": limit}}]}).encode()
    return (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
            b"docker-distribution-api-version: registry/2.0\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)


try:  # httptools is optional (the server extra installs it); without it uvicorn uses h11
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - the test environment has httptools
    # an optional import's fallback: mypy cannot type a name that is a class or None
    HttpToolsProtocol = None  # type: ignore[misc,assignment]


if HttpToolsProtocol is not None:
    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        """httptools, refusing a request head over ``head_limit`` bytes as it arrives."""

        head_limit = MAX_HEAD
        _in_head = True
        _head_bytes = 0

        def data_received(self, data: bytes) -> None:
            if self._in_head:
                self._head_bytes += len(data)
            super().data_received(data)
            if self._in_head and self._head_bytes > self.head_limit and not self.transport.is_closing():
                self.transport.write(head_too_large(self.head_limit))
                self.transport.close()

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._in_head, self._head_bytes = True, 0
            super().on_message_complete()
else:  # pragma: no cover
    BoundedHttpToolsProtocol = None  # type: ignore[misc,assignment]  # as HttpToolsProtocol above


def protocol_options(http: str) -> dict[str, Any]:
    """``uvicorn.Config`` options for parser ``http`` (``auto``, ``httptools``, ``h11``) with heads bounded."""
    expect("http", http, str)
    if http not in ("auto", "httptools", "h11"):
        raise InvalidArgument(f"http must be 'auto', 'httptools' or 'h11', got {http!r}")
    if http in ("auto", "httptools") and BoundedHttpToolsProtocol is not None:
        return {"http": BoundedHttpToolsProtocol, "h11_max_incomplete_event_size": MAX_HEAD}
    return {"http": http, "h11_max_incomplete_event_size": MAX_HEAD}
