"""The registry: a facade (:class:`Registry`) over parts with one job each.

* :mod:`~regsim.registry.blobs`: the blob store (content by digest) -- :class:`BlobStore`,
  :class:`MemoryBlobStore`;
* :mod:`~regsim.registry.uploads`: upload sessions that hash incrementally and spool their bytes --
  :class:`UploadSession`, :class:`Spool`, :class:`MemorySpool`;
* :mod:`~regsim.registry.repository`: repositories with blob links, manifests, tags and referrers --
  :class:`Repository`, :class:`StoredManifest`, :class:`RepositoryStore`, :class:`MemoryRepositoryStore`;
* :mod:`~regsim.registry.access`: users, grants and decisions -- :class:`AccessPolicy`;
* :mod:`~regsim.registry.gc`: accounting and the mark phase -- :class:`StorageReport`, :class:`GCReport`;
* :mod:`~regsim.registry.registry`: :class:`Registry`, which checks, changes the parts through their
  methods, and records every change as an event (``Registry.replay(events)`` rebuilds it).
"""

from .access import AccessPolicy, Token
from .blobs import BlobStore, MemoryBlobStore
from .gc import GCReport, StorageReport
from .registry import Registry
from .repository import MemoryRepositoryStore, Repository, RepositoryStore, StoredManifest
from .uploads import MemorySpool, Spool, UploadSession

__all__ = ["Registry", "Repository", "StoredManifest", "UploadSession", "StorageReport", "GCReport",
           "AccessPolicy", "Token", "BlobStore", "MemoryBlobStore", "RepositoryStore", "MemoryRepositoryStore",
           "Spool", "MemorySpool"]
