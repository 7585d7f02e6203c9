"""OCI content and names: digests, blobs, descriptors, media types, manifests, images, platforms
and references. Values only; no registry state lives here."""
