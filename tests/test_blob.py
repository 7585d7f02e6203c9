import pytest

from regsim import Blob, Digest, Placeholder
from regsim.oci.blob import as_content
from regsim.errors import DigestInvalid, PlaceholderContent, SizeInvalid


def test_blob_digest_is_sha256_of_bytes():
    b = Blob(b"abc")
    assert b.digest == Digest.of(b"abc") and b.size == 3 and b.data == b"abc"
    assert b.read(1, 2) == b"b"
    assert not b.is_placeholder


def test_verified_rejects_other_content():
    Blob.verified(b"abc", Digest.of(b"abc"))
    with pytest.raises(DigestInvalid) as info:
        Blob.verified(b"abd", Digest.of(b"abc"))
    assert str(Digest.of(b"abd")) in info.value.message


def test_sha512_blob():
    b = Blob(b"abc", algorithm="sha512")
    assert b.digest.algorithm == "sha512"
    assert Blob.verified(b"abc", b.digest).digest == b.digest


def test_placeholder_has_size_but_no_bytes():
    p = Placeholder.for_key("k", 10**9)
    assert p.is_placeholder and p.size == 10**9
    assert Placeholder.for_key("k", 5).digest == p.digest  # same key, same digest
    assert Placeholder.for_key("other", 5).digest != p.digest
    with pytest.raises(PlaceholderContent) as info:
        p.data
    assert str(p.digest) in info.value.message


@pytest.mark.parametrize("size", [-1, 1.5, True, "3"])
def test_placeholder_size_must_be_natural(size):
    with pytest.raises(SizeInvalid):
        Placeholder("sha256:" + "0" * 64, size)


def test_equality_is_by_digest():
    assert Blob(b"x") == Blob(b"x")
    assert Blob(b"x") == Placeholder(Digest.of(b"x"), 1)
    assert len({Blob(b"x"), Blob(b"x"), Blob(b"y")}) == 2


def test_as_content():
    assert isinstance(as_content(b"x"), Blob)
    p = Placeholder.for_key("k", 1)
    assert as_content(p) is p
    with pytest.raises(TypeError):
        as_content("text")  # type: ignore[arg-type]


def test_pieces_are_views_of_the_bytes_without_joining_an_uploads_chunks():
    chunks = [b"abc", b"", b"defg", b"hij"]
    whole = b"".join(chunks)
    blob = Blob._trusted_chunks(chunks, Digest.of(whole))
    for start in range(len(whole) + 1):
        for end in range(start, len(whole) + 2):
            for piece in (1, 2, 5, 64):
                got = list(blob.pieces(start, end, piece=piece))
                assert b"".join(got) == whole[start:end]
                assert all(0 < len(p) <= piece for p in got)
    views = list(blob.pieces())
    assert [v.obj for v in views] == [b"abc", b"defg", b"hij"] and views[0].obj is chunks[0]  # views, no copy
    assert b"".join(Blob(whole).pieces()) == whole and list(Blob(b"").pieces()) == []
