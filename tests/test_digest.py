import hashlib

import pytest
from hypothesis import given, strategies as st

from regsim import Digest
from regsim.oci.digest import EMPTY_JSON_DIGEST
from regsim.errors import DigestInvalid

SHA = "sha256:" + "a" * 64


def test_of_matches_hashlib():
    data = b"registry"
    assert Digest.of(data) == "sha256:" + hashlib.sha256(data).hexdigest()
    assert Digest.of(data, "sha512") == "sha512:" + hashlib.sha512(data).hexdigest()


def test_empty_json_digest_is_the_spec_value():
    assert Digest.of(b"{}") == EMPTY_JSON_DIGEST


def test_parts_and_short_forms():
    d = Digest(SHA)
    assert (d.algorithm, d.encoded) == ("sha256", "a" * 64)
    assert d.short == "sha256:aaaaaaaa…"
    assert d.id12 == "a" * 12
    assert isinstance(d, str) and d == SHA


@pytest.mark.parametrize(
    "text, rule",
    [
        ("", "algorithm:encoded"),
        ("sha256", "algorithm:encoded"),
        ("sha256:", "algorithm:encoded"),
        (":abc", "algorithm:encoded"),
        ("sha256:" + "A" * 64, "lowercase hex"),
        ("sha256:" + "a" * 63, "64 lowercase hex"),
        ("sha256:" + "a" * 65, "64 lowercase hex"),
        ("sha256:xyz", "64 lowercase hex"),
        ("sha512:" + "a" * 64, "128 lowercase hex"),
        ("md5:" + "a" * 32, "unsupported algorithm 'md5'"),
        ("SHA256:" + "a" * 64, "algorithm:encoded"),
        ("sha256:" + "a" * 64 + "\n", "algorithm:encoded"),
    ],
)
def test_invalid_digests_name_value_and_rule(text, rule):
    with pytest.raises(DigestInvalid) as info:
        Digest(text)
    assert rule in info.value.message
    assert repr(text) in info.value.message
    assert info.value.code == "DIGEST_INVALID"


def test_non_string_is_invalid():
    with pytest.raises(DigestInvalid):
        Digest(42)  # type: ignore[arg-type]


def test_verify_and_is_valid():
    d = Digest.of(b"x")
    assert d.verify(b"x") and not d.verify(b"y")
    assert Digest.is_valid(SHA) and not Digest.is_valid("nope")


@given(st.binary(max_size=512))
def test_round_trip_through_text(data):
    d = Digest.of(data)
    assert Digest(str(d)) == d
    assert Digest.of_chunks([data[:7], data[7:]]) == d
