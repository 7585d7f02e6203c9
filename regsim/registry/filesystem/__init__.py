"""A registry kept on disk in the reference registry's layout (distribution's filesystem driver).

``Registry.open(path)`` (and ``regsim serve --data DIR``) keeps everything under ``path``::

    docker/registry/v2/blobs/sha256/<first two hex>/<hex>/data        every blob once (manifests too)
    docker/registry/v2/repositories/<name>/
        _layers/sha256/<hex>/link                                     a blob linked into the repository
        _manifests/revisions/sha256/<hex>/link                        a manifest of the repository
        _manifests/tags/<tag>/current/link                            what the tag points at
        _manifests/tags/<tag>/index/sha256/<hex>/link                 every manifest the tag pointed at
        _uploads/<id>/data, _uploads/<id>/startedat                   an upload in progress
    .regsim-tmp/                                                      files being written (not distribution's)

>>> import tempfile
>>> from regsim import Registry
>>> with tempfile.TemporaryDirectory() as store:
...     registry = Registry.open(store)
...     blob = registry.push_blob("team/app", b"layer bytes")
...     again = Registry.open(store)                      # a restart: everything is read back
...     again.blobs[blob.digest].data, check(store).ok
(b'layer bytes', True)

A link file holds the digest it names (``sha256:<hex>``), as distribution writes it, so
``docker-registry`` 2.8 serves a store regsim wrote, and regsim opens one it wrote.

**Durable before visible.** The store's :class:`Journal` is the registry's durable sink
(:meth:`Registry.add_sink <regsim.registry.Registry.add_sink>`): every event is written to disk
*before* the registry applies it to memory. Each event is a small transaction of atomic steps
(a file written to ``.regsim-tmp/``, flushed with ``fsync``, renamed into place, the directory
synced; a deletion is a rename into ``.regsim-tmp/``), each with its undo: when a write fails
(disk full, read-only, I/O error) the steps done are undone, the registry applies nothing, and
the error reaches the client (a 500 from ``regsim serve``). So memory is always what the disk
holds, and a client is told of success only for what survives a restart. An upload's chunk is
appended to its file and synced; a chunk that fails is cut off again.

**Crash safety.** Order makes every prefix of an operation consistent: a blob's data before its
link, a manifest's bytes before its revision link, the revision before its tag; gc removes tags
and revisions, then links, then data. A ``kill -9`` at any moment loses at most what was not yet
acknowledged and leaves, at worst, data nothing links to yet (which :func:`garbage_collect`
removes); :func:`check` proves it.

Opening a store replays it through the public API, so the reopened registry's event log tells
what was loaded. Standard library only.

One module per job:

* :mod:`.layout`: where things are (paths, link files);
* :mod:`.atomic`: writes that are whole or absent;
* :mod:`.store`: blob bytes and upload spools;
* :mod:`.journal`: the durable sink: each event written to disk, all or nothing, before memory;
* :mod:`.load`: opening a store;
* :mod:`.check`: ``regsim check``;
* :mod:`.collect`: ``regsim gc`` on a store no server serves;
* :mod:`.lock`: who holds a store (``regsim serve`` does, with its PID; gc refuses then).
"""

from .atomic import write_atomic
from .check import CheckReport, check
from .collect import StoreDamaged, garbage_collect
from .journal import Journal
from .layout import Layout, read_link
from .load import LoadReport, open_registry
from .lock import StoreLocked, hold
from .store import READ_PIECE, FilesystemBlobs, FileSpool, SpooledBlob, StoredBlob

__all__ = ["Layout", "StoredBlob", "SpooledBlob", "FilesystemBlobs", "FileSpool", "Journal", "open_registry",
           "check", "CheckReport", "LoadReport", "garbage_collect", "StoreDamaged", "read_link", "write_atomic",
           "READ_PIECE", "hold", "StoreLocked"]
