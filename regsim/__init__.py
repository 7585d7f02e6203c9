"""regsim: teach and simulate container registries.

The core model (this package) is pure standard-library Python:

* content: :class:`Digest`, :class:`Blob`, :class:`Placeholder`, :class:`Descriptor`,
  :class:`ImageConfig`, :class:`Manifest`, :class:`Index`, :class:`Layer`, :class:`Image`,
  :class:`ImageIndex`;
* names: :func:`parse_reference` (Docker's normalising parse; :func:`regsim.oci.reference.parse_docker_ref`
  also adds ``docker pull``'s default ``:latest``) and :class:`Reference`;
* the registry: :class:`Registry` (repositories, uploads, mounts, tags, deletes, gc, access);
* the client engine: :class:`Host` (build, tag, push, pull, images, rmi, login) and
  :class:`World` (registries and hosts on one network);
* events: :class:`EventLog` and the event types in :mod:`regsim.events`;
* errors: :mod:`regsim.errors`, one class per OCI error code.

Pictures live in :mod:`regsim.viz`, experiments in :mod:`regsim.sim`, the HTTP server in
:mod:`regsim.server`; none of them is imported here.
"""

from . import errors, events
from .deprecation import moved_names
from .oci import mediatypes
from .registry.access import AccessPolicy, Token
from .oci.blob import Blob, Placeholder
from .oci.descriptor import Annotations, Descriptor
from .oci.digest import Digest
from .errors import RegistryError
from .events import EventLog
from .client.compare import compare_images
from .client.host import BuildResult, Host, PullResult, PushResult
from .client.outcome import Outcome, access_table, attempt
from .oci.image import Image, ImageIndex, Layer
from .oci.manifest import ImageConfig, Index, Manifest, canonical_json, parse_manifest
from .oci.platform import Platform
from .oci.reference import Reference, parse as parse_reference
from .registry import GCReport, Registry, StorageReport
from .data.search import search
from .units import human_size
from .world import World

__version__ = "0.1.0"

__all__ = [
    "AccessPolicy", "Annotations", "Blob", "BuildResult", "Descriptor", "Digest", "EventLog",
    "GCReport", "Host", "Image", "ImageConfig", "ImageIndex", "Index", "Layer", "Manifest", "Outcome",
    "Placeholder", "Platform", "PullResult", "PushResult", "Reference", "Registry", "RegistryError",
    "StorageReport", "Token", "World", "access_table", "attempt", "canonical_json", "compare_images",
    "errors", "events", "human_size", "mediatypes", "parse_manifest",
    "parse_reference", "search",
]

# One public reference parser at the top level (issue 20, one vocabulary): the old name works for one
# release, with a DeprecationWarning naming its home.
__getattr__ = moved_names("regsim", {"parse_docker_ref": "regsim.oci.reference.parse_docker_ref"})
