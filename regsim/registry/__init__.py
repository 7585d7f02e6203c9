"""The registry: a facade (:class:`Registry`) over parts with one job each.

* :mod:`~regsim.registry.blobs`: the blob store (content by digest) -- :class:`BlobStore`,
  :class:`MemoryBlobStore`;
* :mod:`~regsim.registry.uploads`: upload sessions that hash incrementally and spool their bytes --
  :class:`UploadSession`, :class:`Spool`, :class:`MemorySpool`;
* :mod:`~regsim.registry.repository`: repositories with blob links, manifests, tags and referrers --
  :class:`Repository`, :class:`StoredManifest`, :class:`RepositoryStore`, :class:`MemoryRepositoryStore`;
* :mod:`~regsim.registry.access`: users, grants and decisions -- :class:`AccessPolicy`;
* :mod:`~regsim.registry.gc`: accounting and the mark phase -- :class:`StorageReport`, :class:`GCReport`;
* :mod:`~regsim.registry.apply`: one function per event type, the one write path;
* :mod:`~regsim.registry.registry`: :class:`Registry`, which checks, builds events and commits them
  through the apply table (``Registry.replay(events)`` commits a log's events the same way);
* :mod:`~regsim.registry.filesystem`: the store on disk (:meth:`Registry.open`).
"""

from .access import AccessPolicy, Token
from .blobs import BlobStore, MemoryBlobStore
from .gc import GCReport, StorageReport
from .registry import Registry, register_disk_store
from .repository import MemoryRepositoryStore, Repository, RepositoryStore, StoredManifest
from .uploads import MemorySpool, Spool, UploadSession
from .filesystem import open_registry

register_disk_store(open_registry)  # Registry.open: the store on disk (which imports Registry, not the reverse)

__all__ = ["Registry", "Repository", "StoredManifest", "UploadSession", "StorageReport", "GCReport",
           "AccessPolicy", "Token", "BlobStore", "MemoryBlobStore", "RepositoryStore", "MemoryRepositoryStore",
           "Spool", "MemorySpool"]
