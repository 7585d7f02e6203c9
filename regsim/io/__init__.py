"""Images on disk: OCI image layouts and ``docker save`` tarballs (standard library only).

* :func:`read_layout` / :func:`write_layout` -- an OCI image layout directory (or ``oci-archive``
  tar) to and from :class:`~regsim.oci.image.Image` / :class:`~regsim.oci.image.ImageIndex` values;
* :func:`read_docker_archive` -- the images of a ``docker save`` tarball;
* :func:`import_images` / :func:`export_images` -- push the images of a layout or tarball into a
  :class:`~regsim.registry.Registry`, or write a registry's images out as a layout.

Files are untrusted: reading them is bounded by :class:`LoadLimits` (how far an archive may
expand, declared against actual sizes, bytes held in memory; layers stream to disk for a
registry on disk).

The core model does no file I/O; this package does it for the core.
"""

from .docker_archive import read_docker_archive
from .layout import LAYOUT_VERSION, REF_NAME, LayoutEntry, LayoutError, read_layout, write_layout
from .sources import LoadLimits
from .transfer import export_images, import_images, read_images

__all__ = ["LAYOUT_VERSION", "REF_NAME", "LayoutEntry", "LayoutError", "LoadLimits", "export_images", "import_images",
           "read_docker_archive", "read_images", "read_layout", "write_layout"]
