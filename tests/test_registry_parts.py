"""The registry as a facade over parts that own their state (issue 12).

* no code outside a part touches its private fields;
* the blob store, repository store and upload spool are seams another implementation can fill;
* reads are views, not sorted copies per access;
* ``revoke`` matches ``grant``.
"""

import ast
from pathlib import Path

import pytest
from helpers import THIRD_PARTY_PRIVATE, is_super

from regsim import Registry
from regsim.errors import Denied
from regsim.oci.blob import Blob
from regsim.oci.digest import Digest
from regsim.registry.blobs import BlobStore, MemoryBlobStore
from regsim.registry.repository import MemoryRepositoryStore
from regsim.registry.uploads import MemorySpool

CORE = Path(__file__).resolve().parents[1] / "regsim"
#: trusted constructors of already-validated values: private by name, shared on purpose
TRUSTED = {"_trusted", "_trusted_chunks", "_derived", "_parsed_from"}


def _own_instances(tree):
    """Names bound to ``cls.__new__(cls)`` in a class's own methods: its fresh instances."""
    own = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and ast.unparse(node.value.func) == "cls.__new__"):
            own.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return own


#: The one write path (issue 16): the apply table calls the parts' private mutators, and nothing else does.
APPLY_MODULE = CORE / "registry" / "apply.py"


def _private_method_calls(tree):
    return {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}


def test_no_code_touches_private_fields_of_other_objects():
    """Every ``x._name`` in the package is on ``self``/``cls``/``super()``, a fresh instance a class builds
    itself, or a trusted constructor: a part's state changes only through its methods. Those
    methods are private (parts are read-only from outside) and only the apply table
    (``regsim/registry/apply.py``) calls them, on behalf of an event."""
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        own = {"self", "cls"} | _own_instances(tree)
        calls = _private_method_calls(tree) if path == APPLY_MODULE else set()
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and node.attr not in TRUSTED and not node.attr.endswith("_")  # IPython's _repr_html_ and co.
                    and not (isinstance(node.value, ast.Name) and node.value.id in own)
                    and not is_super(node.value)
                    and id(node) not in calls
                    and node.attr not in THIRD_PARTY_PRIVATE.get(str(path.relative_to(CORE)), ())):
                offenders.append(f"{path.relative_to(CORE)}:{node.lineno}: {ast.unparse(node)}")
    assert offenders == []


def test_registry_has_no_duplicate_lookups():
    source = (CORE / "registry" / "registry.py").read_text()
    assert "def _create(" not in source
    methods = [n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]
    assert methods.count("_writable") == 1 and "_find_manifest" in methods


class CountingBlobStore(BlobStore):
    """Another implementation of the seam (what a store on disk does, with a dict here)."""

    def __init__(self):
        self.data, self.puts, self.deletes = {}, 0, 0

    def get(self, digest):
        return self.data.get(digest)

    def put(self, content):
        self.puts += 1
        new = content.digest not in self.data
        if new or (self.data[content.digest].is_placeholder and not content.is_placeholder):
            self.data[content.digest] = content
        return new

    def delete(self, digest):
        self.deletes += 1
        self.data.pop(digest, None)

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)


class RecordingSpool(MemorySpool):
    writes: list = []

    def append(self, data):
        RecordingSpool.writes.append(len(data))
        super().append(data)


def test_a_registry_runs_on_other_stores_and_spools():
    store = CountingBlobStore()
    RecordingSpool.writes = []
    reg = Registry(blobs=store, repositories=MemoryRepositoryStore(), spools=lambda _id, _repo: RecordingSpool())
    session = reg.start_upload("team/app")
    reg.upload_chunk(session.id, b"hello ")
    blob = reg.finish_upload(session.id, Digest.of(b"hello world"), b"world")
    assert RecordingSpool.writes == [6, 5]  # chunks go to the spool as they arrive
    assert store.data == {blob.digest: blob} and reg.blobs[blob.digest].data == b"hello world"
    reg.delete_blob("team/app", blob.digest)
    reg.garbage_collect()
    assert store.deletes == 1 and len(reg.blobs) == 0


def test_an_upload_session_hashes_as_chunks_arrive():
    reg = Registry()
    session = reg.start_upload("team/app")
    reg.upload_chunk(session.id, b"abc")
    assert session.digest() == Digest.of(b"abc") and session.digest("sha256", tail=[b"d"]) == Digest.of(b"abcd")
    assert session.digest("sha512") == Digest.of(b"abc", "sha512")
    assert session.content(Digest.of(b"abc")).data == b"abc" and session.offset == 3


def test_repositories_is_a_live_view_not_a_sorted_copy():
    reg = Registry()
    for name in ("b/x", "a/x"):
        reg.push_blob(name, b"1")
    view = reg.repositories
    assert list(view) == ["a/x", "b/x"] and "a/x" in view and "c/x" not in view
    reg.push_blob("c/x", b"1")
    assert list(view) == ["a/x", "b/x", "c/x"] and "c/x" in view  # the view sees the new repository
    assert view["c/x"] is reg.repository("c/x")


def test_repository_tags_is_built_once_per_change():
    reg = Registry()
    reg.push_blob("team/app", b"{}")
    from regsim import Descriptor, Manifest
    m = Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", Digest.of(b"{}"), 2))
    for tag in ("b", "A", "a"):
        reg.put_manifest("team/app", tag, m)
    repo = reg.repository("team/app")
    tags = repo.tags
    assert list(tags) == ["A", "a", "b"] and repo.tags is tags  # no new sorted copy per access
    reg.delete_tag("team/app", "a")
    assert list(repo.tags) == ["A", "b"]


def test_revoke_matches_grant():
    reg = Registry.hub()
    reg.add_user("alice", "pw")
    reg.add_user("bob", "pw")
    alice, bob = reg.login("alice", "pw"), reg.login("bob", "pw")
    reg.create_repository("alice/app", private=True, auth=alice)
    reg.grant("bob", "alice/app", "pull")
    assert reg.can("alice/app", auth=bob)
    reg.revoke("bob", "alice/app")
    assert not reg.can("alice/app", auth=bob)
    with pytest.raises(Denied):
        reg.tags("alice/app", auth=bob)
    assert [e.kind for e in reg.events if e.kind.startswith("Access")] == ["AccessGranted", "AccessRevoked"]


def test_memory_blob_store_keeps_real_bytes_over_a_placeholder():
    from regsim.oci.blob import Placeholder
    store = MemoryBlobStore()
    blob = Blob(b"x")
    assert store.put(Placeholder(blob.digest, 1)) is True
    assert store.put(blob) is False and store.get(blob.digest) is blob
    assert store.put(Placeholder(blob.digest, 1)) is False and store.get(blob.digest) is blob
