"""Pure wire helpers: ranges, content ranges, page sizes, links, error bodies."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.errors import BlobUnknown, PaginationNumberInvalid, RangeInvalid, RangeNotSatisfiable
from regsim.server.protocol import (
    error_body, media_type_of, next_link, parse_content_range, parse_page_size, parse_range, upload_range,
)


@pytest.mark.parametrize("header, size, expected", [
    (None, 10, None),
    ("bytes=0-0", 10, (0, 0)),
    ("bytes=2-5", 10, (2, 5)),
    ("bytes=2-", 10, (2, 9)),
    ("bytes=0-100", 10, (0, 9)),
    ("bytes=-3", 10, (7, 9)),
    ("bytes=-30", 10, (0, 9)),
    (" bytes=1-2 ", 10, (1, 2)),
    ("BYTES=1-2", 10, (1, 2)),
    ("bytes=0-1, 4-5", 10, None),   # several ranges: the whole blob (RFC 9110 allows ignoring Range)
    ("lines=0-1", 10, None),        # unknown unit: ignored
])
def test_parse_range(header, size, expected):
    assert parse_range(header, size) == expected


@pytest.mark.parametrize("header, size", [
    ("bytes=10-", 10), ("bytes=5-2", 10), ("bytes=-0", 10), ("bytes=-", 10), ("bytes=a-b", 10),
    ("bytes=", 10), ("bytes=0-", 0), ("bytes=-1", 0), ("bytes=1.5-2", 10),
])
def test_parse_range_rejects(header, size):
    with pytest.raises(RangeNotSatisfiable) as info:
        parse_range(header, size)
    assert info.value.status == 416 and repr(header) in info.value.message


@settings(derandomize=True)
@given(size=st.integers(1, 10_000), a=st.integers(0, 20_000), b=st.integers(0, 20_000))
def test_a_satisfiable_range_lies_inside_the_blob(size, a, b):
    try:
        span = parse_range(f"bytes={a}-{b}", size)
    except RangeNotSatisfiable:
        assert a >= size or b < a
    else:
        start, end = span
        assert start == a and 0 <= start <= end < size and end == min(b, size - 1)


@pytest.mark.parametrize("header, expected", [
    ("0-0", (0, 0)), ("0-1023", (0, 1023)), ("1024-2047", (1024, 2047)), ("bytes 0-9/10", (0, 9)),
    ("bytes 0-9/*", (0, 9)), (" 5-6 ", (5, 6)),
])
def test_parse_content_range(header, expected):
    assert parse_content_range(header) == expected


@pytest.mark.parametrize("header", ["", "0", "0-", "-1", "5-4", "a-b", "bytes=0-1", "0-1-2", "0 - 1"])
def test_parse_content_range_rejects(header):
    with pytest.raises(RangeInvalid, match="Content-Range"):
        parse_content_range(header)


@pytest.mark.parametrize("value, maximum, expected", [(None, None, None), ("0", None, 0), ("25", 100, 25),
                                                      ("100", 100, 100)])
def test_parse_page_size(value, maximum, expected):
    assert parse_page_size(value, maximum) == expected


@pytest.mark.parametrize("value, maximum", [("-1", None), ("x", None), ("", None), ("101", 100), ("²", None),
                                            ("1e3", None)])
def test_parse_page_size_rejects(value, maximum):
    with pytest.raises(PaginationNumberInvalid) as info:
        parse_page_size(value, maximum)
    assert info.value.detail == value


def test_links_ranges_media_types_and_error_bodies():
    assert next_link("/v2/a/tags/list", 2, "v1.0+x") == '</v2/a/tags/list?n=2&last=v1.0%2Bx>; rel="next"'
    assert [upload_range(n) for n in (0, 1, 10)] == ["0-0", "0-0", "0-9"]
    assert media_type_of("application/vnd.oci.image.manifest.v1+json; charset=utf-8") == \
        "application/vnd.oci.image.manifest.v1+json"
    assert media_type_of("") is None and media_type_of(None) is None and media_type_of(" ;x") is None
    body = json.loads(error_body(BlobUnknown("blob unknown to registry", detail="sha256:x")))
    assert body == {"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown to registry",
                                "detail": "sha256:x"}]}
    odd = json.loads(error_body(BlobUnknown("m", detail=object)))
    assert odd["errors"][0]["detail"].startswith("<class")
