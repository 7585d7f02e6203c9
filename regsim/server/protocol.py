"""Wire details of the OCI distribution API that are pure functions of headers and queries.

Nothing here does I/O or touches a registry: ranges, pagination, links, media types, and the
spec's JSON error body. Every malformed value raises the :mod:`regsim.errors` class the spec
names for it, with the value in the message.

>>> parse_range("bytes=0-9", 169)
(0, 9)
>>> parse_content_range("0-1023")
(0, 1023)
>>> upload_range(0), upload_range(1024)
('0-0', '0-1023')
>>> next_link("/v2/demo/app/tags/list", 2, "b")
'</v2/demo/app/tags/list?n=2&last=b>; rel="next"'
"""

from __future__ import annotations

import numbers
import json
import re
from typing import Any
from urllib.parse import urlencode

from ..errors import InvalidArgument, PaginationNumberInvalid, RangeInvalid, RangeNotSatisfiable, RegistryError, expect

__all__ = [
    "API_VERSION",
    "parse_range",
    "parse_content_range",
    "parse_page_size",
    "next_link",
    "upload_range",
    "media_type_of",
    "error_body",
]

#: Sent on every response, as distribution does (the spec calls it optional legacy).
API_VERSION = "registry/2.0"

#: Offsets and page sizes have at most this many digits (int64, as distribution parses them): a
#: longer number is refused before Python converts it (which fails past 4,300 digits).
MAX_DIGITS = 18
_BYTES_RANGE = re.compile(r"^bytes=(\d{0,%d})-(\d{0,%d})$" % (MAX_DIGITS, MAX_DIGITS), re.ASCII)
_CONTENT_RANGE = re.compile(r"^(?:bytes )?(\d{1,%d})-(\d{1,%d})(?:/(?:\d{1,%d}|\*))?$"
                            % (MAX_DIGITS, MAX_DIGITS, MAX_DIGITS), re.ASCII)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range a ``Range`` header asks for, or None to send the whole blob.

    RFC 9110: a unit other than ``bytes`` is ignored, as is a list of several ranges (the
    server may answer those with the whole content). A malformed or unsatisfiable ``bytes``
    range raises ``SIZE_INVALID`` (416; the spec's table has no range code).
    """
    expect("header", header, (str, type(None)), "a string or None")
    expect("size", size, numbers.Integral, "an int")
    if header is None:
        return None
    value = header.strip()
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if "," in spec:
        return None
    match = _BYTES_RANGE.match("bytes=" + spec.strip())
    if match is None:
        raise RangeNotSatisfiable(f"invalid Range header {header!r}: expected bytes=<start>-<end>", detail=header)
    first, last = match.groups()
    if first == "" and last == "":
        raise RangeNotSatisfiable(f"invalid Range header {header!r}: no start and no end", detail=header)
    if first == "":  # suffix range: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(f"range {header!r} is not satisfiable for a blob of {size} bytes", detail=header)
        return max(size - length, 0), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if last != "" and int(last) < start:
        raise RangeNotSatisfiable(f"invalid Range header {header!r}: end before start", detail=header)
    if start >= size:
        raise RangeNotSatisfiable(f"range {header!r} starts past the end of a blob of {size} bytes", detail=header)
    return start, end


def parse_content_range(header: str) -> tuple[int, int]:
    """``Content-Range: <start>-<end>`` of an upload chunk (inclusive), as ``(start, end)``.

    The spec's form is ``^[0-9]+-[0-9]+$``; the RFC form ``bytes 0-9/10`` is accepted too.
    A malformed one is the spec's ``BLOB_UPLOAD_INVALID`` with status 416.
    """
    expect("header", header, str)
    match = _CONTENT_RANGE.match(header.strip())
    if match is None:
        raise RangeInvalid(f"invalid Content-Range {header!r}: expected <start>-<end>", detail=header)
    start, end = int(match.group(1)), int(match.group(2))
    if end < start:
        raise RangeInvalid(f"invalid Content-Range {header!r}: end before start", detail=header)
    return start, end


def parse_page_size(value: str | None, maximum: int | None = None) -> int | None:
    """The ``n`` query parameter: None when absent, else an integer in ``0..maximum``.

    Without ``maximum`` (tag lists) a number too long to be a count means "all of them".
    """
    expect("value", value, (str, type(None)), "a string or None")
    if value is None:
        return None
    if not value.isdigit() or not value.isascii():
        raise PaginationNumberInvalid(
            f"invalid number of results requested: n={value[:40]!r} (must be an integer >= 0)",
            detail=value[:40])
    if len(value.lstrip("0")) > MAX_DIGITS:
        if maximum is None:
            return None
        raise PaginationNumberInvalid(
            f"invalid number of results requested: n has {len(value)} digits, more than the maximum of "
            f"{maximum}", detail=value[:40])
    n = int(value)
    if maximum is not None and n > maximum:
        raise PaginationNumberInvalid(
            f"invalid number of results requested: n={n} is more than the maximum of {maximum}", detail=value)
    return n


def next_link(path: str, n: int, last: str) -> str:
    """An RFC 5988 ``Link`` header pointing at the next page."""
    expect("path", path, str)
    expect("n", n, numbers.Integral, "an int")
    expect("last", last, str)
    return f'<{path}?{urlencode({"n": n, "last": last})}>; rel="next"'


def upload_range(size: int) -> str:
    """The ``Range`` header of an upload holding ``size`` bytes (``0-0`` when empty, as distribution)."""
    expect("size", size, numbers.Integral, "an int")
    if size < 0:
        raise InvalidArgument(f"size must be >= 0, got {size}")
    return f"0-{max(size - 1, 0)}"


def media_type_of(content_type: str | None) -> str | None:
    """A ``Content-Type`` without parameters (``None`` when absent or empty)."""
    expect("content_type", content_type, (str, type(None)), "a string or None")
    if not content_type:
        return None
    kind = content_type.split(";", 1)[0].strip()
    return kind or None


def error_body(*errors: RegistryError) -> bytes:
    """The spec's JSON error body: ``{"errors": [{"code", "message", "detail"}]}``."""
    for error in errors:
        expect("errors", error, RegistryError, "RegistryErrors")
    return json.dumps({"errors": [_jsonable(e.to_dict()) for e in errors]}).encode()


def _jsonable(entry: dict[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(entry)
    except (TypeError, ValueError):
        return {**entry, "detail": repr(entry.get("detail"))}
    return entry
