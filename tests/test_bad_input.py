"""Every kind of bad input gets its OCI error code and leaves the registry exactly as it was."""

import json

import pytest

from helpers import push_image
from regsim import Image, Layer, Placeholder, Registry
from regsim.registry.access import Token
from regsim.oci.digest import Digest
from regsim.oci.mediatypes import OCI_INDEX, OCI_MANIFEST

IMAGE = Image.create([Layer.from_files([("/base", b"base")]), Layer.from_files([("/app", b"app")])])
ZERO = "sha256:" + "0" * 64


@pytest.fixture
def reg() -> Registry:
    reg = Registry.hub("docker.io")
    reg.add_user("alice", "pw")
    reg.add_user("bob", "pw")
    alice = reg.login("alice", "pw")
    push_image(reg, "alice/app", IMAGE, "1.0", auth=alice)
    reg.create_repository("alice/private", private=True, auth=alice)
    push_image(reg, "alice/private", IMAGE, "1.0", auth=alice)
    reg.start_upload("alice/app", auth=alice)
    return reg


def alice(reg):
    return reg.login("alice", "pw")


def bob(reg):
    return reg.login("bob", "pw")


def manifest_doc(**changes) -> bytes:
    doc = json.loads(IMAGE.manifest_bytes)
    doc.update(changes)
    return json.dumps(doc).encode()


CASES = {
    # names
    "uppercase name": (lambda r: r.push_blob("alice/App", b"x", auth=alice(r)), "NAME_INVALID"),
    "double dot name": (lambda r: r.get_manifest("alice/a..b", "1.0"), "NAME_INVALID"),
    "trailing slash": (lambda r: r.tags("alice/app/", auth=alice(r)), "NAME_INVALID"),
    "empty name": (lambda r: r.stat_blob("", ZERO), "NAME_INVALID"),
    "name too long": (lambda r: r.start_upload("alice/" + "a" * 300, auth=alice(r)), "NAME_INVALID"),
    "unknown repository tags": (lambda r: r.tags("alice/nothing", auth=alice(r)), "NAME_UNKNOWN"),
    # tags
    "tag with slash": (lambda r: r.put_manifest("alice/app", "a/b", IMAGE.manifest_bytes, auth=alice(r)), "TAG_INVALID"),
    "tag starting with dot": (lambda r: r.get_manifest("alice/app", ".hidden"), "TAG_INVALID"),
    "tag too long": (lambda r: r.delete_tag("alice/app", "t" * 129, auth=alice(r)), "TAG_INVALID"),
    "unknown tag": (lambda r: r.get_manifest("alice/app", "2.0"), "MANIFEST_UNKNOWN"),
    "delete unknown tag": (lambda r: r.delete_tag("alice/app", "2.0", auth=alice(r)), "MANIFEST_UNKNOWN"),
    # digests
    "short digest": (lambda r: r.get_blob("alice/app", "sha256:abc"), "DIGEST_INVALID"),
    "uppercase digest": (lambda r: r.stat_blob("alice/app", "sha256:" + "A" * 64), "DIGEST_INVALID"),
    "md5 digest": (lambda r: r.get_blob("alice/app", "md5:" + "a" * 32), "DIGEST_INVALID"),
    "unknown blob": (lambda r: r.get_blob("alice/app", ZERO), "BLOB_UNKNOWN"),
    "unknown blob delete": (lambda r: r.delete_blob("alice/app", ZERO, auth=alice(r)), "BLOB_UNKNOWN"),
    "wrong upload digest": (lambda r: r.push_blob("alice/app", b"abc", Digest.of(b"abd"), auth=alice(r)), "DIGEST_INVALID"),
    "placeholder under other digest": (lambda r: r.push_blob("alice/app", Placeholder.for_key("k", 1), ZERO,
                                                             auth=alice(r)), "DIGEST_INVALID"),
    "manifest by wrong digest": (lambda r: r.put_manifest("alice/app", ZERO, IMAGE.manifest_bytes, auth=alice(r)),
                                 "DIGEST_INVALID"),
    "unknown manifest digest": (lambda r: r.delete_manifest("alice/app", ZERO, auth=alice(r)), "MANIFEST_UNKNOWN"),
    "mount of unknown blob": (lambda r: r.mount_blob("alice/other", ZERO, "alice/app", auth=alice(r)), "BLOB_UNKNOWN"),
    # uploads and sizes
    "unknown upload": (lambda r: r.upload_chunk("no-such-upload", b"x", auth=alice(r)), "BLOB_UPLOAD_UNKNOWN"),
    "out of order chunk": (lambda r: r.upload_chunk(next(iter(r.uploads)), b"x", start=5, auth=alice(r)), "BLOB_UPLOAD_INVALID"),
    "finish with wrong digest": (lambda r: r.finish_upload(next(iter(r.uploads)), ZERO, b"x", auth=alice(r)),
                                 "DIGEST_INVALID"),
    "negative page size": (lambda r: r.tags("alice/app", n=-1, auth=alice(r)), "PAGINATION_NUMBER_INVALID"),
    "non-integer page size": (lambda r: r.catalog(n="10"), "PAGINATION_NUMBER_INVALID"),
    "manifest too large": (lambda r: r.put_manifest("alice/app", "big", b"{" + b" " * (5 << 20) + b"}",
                                                    auth=alice(r)), "MANIFEST_INVALID"),
    # manifests and JSON
    "not JSON": (lambda r: r.put_manifest("alice/app", "2.0", b"{oops", auth=alice(r)), "MANIFEST_INVALID"),
    "JSON array": (lambda r: r.put_manifest("alice/app", "2.0", b"[]", auth=alice(r)), "MANIFEST_INVALID"),
    "schema 1": (lambda r: r.put_manifest("alice/app", "2.0", manifest_doc(schemaVersion=1), auth=alice(r)),
                 "MANIFEST_INVALID"),
    "unknown media type": (lambda r: r.put_manifest("alice/app", "2.0", manifest_doc(mediaType="text/plain"),
                                                    auth=alice(r)), "MANIFEST_INVALID"),
    "content type disagrees": (lambda r: r.put_manifest("alice/app", "2.0", IMAGE.manifest_bytes, media_type=OCI_INDEX,
                                                        auth=alice(r)), "MANIFEST_INVALID"),
    "bad layer size": (lambda r: r.put_manifest("alice/app", "2.0", manifest_doc(
        layers=[{"mediaType": "x", "digest": ZERO, "size": -5}]), auth=alice(r)), "MANIFEST_INVALID"),
    "missing layer": (lambda r: r.put_manifest("alice/app", "2.0", manifest_doc(
        layers=[{"mediaType": "x", "digest": ZERO, "size": 5}]), auth=alice(r)), "MANIFEST_BLOB_UNKNOWN"),
    "blob of another repository": (lambda r: r.put_manifest("alice/new", "1", IMAGE.manifest_bytes, auth=alice(r)),
                                   "MANIFEST_BLOB_UNKNOWN"),
    "not bytes": (lambda r: r.put_manifest("alice/app", "2.0", {"schemaVersion": 2}, auth=alice(r)), "MANIFEST_INVALID"),
    # permissions
    "anonymous push": (lambda r: r.push_blob("alice/app", b"x"), "UNAUTHORIZED"),
    "anonymous private pull": (lambda r: r.get_manifest("alice/private", "1.0"), "UNAUTHORIZED"),
    "foreign push": (lambda r: r.push_blob("alice/app", b"x", auth=bob(r)), "DENIED"),
    "foreign private pull": (lambda r: r.get_blob("alice/private", IMAGE.layers[0].digest, auth=bob(r)), "DENIED"),
    "foreign delete": (lambda r: r.delete_tag("alice/app", "1.0", auth=bob(r)), "DENIED"),
    "foreign mount target": (lambda r: r.mount_blob("alice/x", IMAGE.layers[0].digest, "alice/app", auth=bob(r)),
                             "DENIED"),
    "mount from private source": (lambda r: r.mount_blob("bob/x", IMAGE.layers[0].digest, "alice/private",
                                                         auth=bob(r)), "DENIED"),
    "forged token": (lambda r: r.push_blob("alice/app", b"x", auth=Token("docker.io", "alice", "f" * 64)),
                     "UNAUTHORIZED"),
    "wrong password": (lambda r: r.login("alice", "guess"), "UNAUTHORIZED"),
    "upload of someone else": (lambda r: r.upload_chunk(next(iter(r.uploads)), b"x", auth=bob(r)), "DENIED"),
    "referenced blob delete": (lambda r: r.delete_blob("alice/app", IMAGE.layers[0].digest, auth=alice(r)), "DENIED"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_without_a_trace(reg, name):
    operation, code = CASES[name]
    tokens = (alice(reg), bob(reg))  # log in first: logins are events too
    del tokens
    before = reg.snapshot()
    events = len(reg.events)
    with pytest.raises(Exception) as info:
        operation(reg)
    assert getattr(info.value, "code", None) == code, f"{name}: {info.value!r}"
    message = info.value.message
    assert message and len(message) > 10
    assert reg.snapshot() == before, f"{name} changed the registry"
    # the failing call itself may have logged a user in (an event) before failing; nothing else
    new = [e.kind for e in reg.events.since(events)]
    assert set(new) <= {"UserLoggedIn"}, f"{name} appended {new}"


def test_messages_name_the_offending_value(reg):
    with pytest.raises(Exception) as info:
        reg.get_blob("alice/app", "sha256:abc")
    assert "'sha256:abc'" in info.value.message
    with pytest.raises(Exception) as info:
        reg.push_blob("alice/App", b"x")
    assert "'alice/App'" in info.value.message
    with pytest.raises(Exception) as info:
        reg.get_manifest("alice/app", ".hidden")
    assert "'.hidden'" in info.value.message
