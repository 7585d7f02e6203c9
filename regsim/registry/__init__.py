"""The registry: repositories, blobs, uploads, manifests, tags, referrers, access, gc.

:class:`Registry` (in :mod:`regsim.registry.registry`) is the one entry point; access rules live in
:mod:`regsim.registry.access`.
"""

from .registry import GCReport, Registry, Repository, StorageReport, StoredManifest, UploadSession

__all__ = ["Registry", "Repository", "StoredManifest", "UploadSession", "StorageReport", "GCReport"]
