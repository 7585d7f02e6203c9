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

**Crash safety.** Every file is written to ``.regsim-tmp/``, flushed with ``fsync``, then renamed
into place (``os.replace`` is atomic), and the directory is synced. Order makes every prefix of
an operation consistent: a blob's data before its link, a manifest's blobs before its revision
link, the revision before its tag. A ``kill -9`` at any moment loses at most unfinished uploads
and leaves, at worst, data nothing links to yet (which :func:`garbage_collect` removes);
:func:`check` proves it.

The model stays the one truth: the blob store is a mapping (:class:`FilesystemBlobs`) the
registry writes into, and links, manifests and tags follow the registry's events
(:class:`Journal`). Opening a store replays it through the public API, so the reopened
registry's event log tells what was loaded. Standard library only.

One module per job:

* :mod:`.layout`: where things are (paths, link files);
* :mod:`.atomic`: writes that are whole or absent;
* :mod:`.store`: blob bytes and upload spools;
* :mod:`.journal`: links, manifests and tags, written from the registry's events;
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
