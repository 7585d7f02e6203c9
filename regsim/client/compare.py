"""Compare two images part by part: which digests are the same, which changed.

Content addressing in one table: a layer whose bytes did not change keeps its digest; the config
lists the layers' digests, and the manifest lists the config's and the layers' digests, so any
change anywhere gives the image a new manifest digest.

>>> from regsim import Image, ImageConfig, Layer
>>> base = Layer.from_files([("/etc/os-release", b"demo")])
>>> one = Image.create([base, Layer.from_files([("/app.py", b"print(1)")])])
>>> two = Image.create([base, Layer.from_files([("/app.py", b"print(2)")])])
>>> print(compare_images(one, two, names=("v1", "v2")).columns)
('PART', 'v1', 'v2', 'SAME?')
>>> [row["SAME?"] for row in compare_images(one, two)]
['same', 'changed', 'changed', 'changed']
"""

from __future__ import annotations

from typing import Sequence

from ..oci.image import Image
from .output import Table
from ..errors import InvalidArgument

__all__ = ["compare_images"]


def compare_images(a: Image, b: Image, *, names: Sequence[str] = ("A", "B")) -> Table:
    """A table of the two images' layers (by position, base first), configs and manifests.

    Digests are shown short (``sha256:3f4a5b6c…``); a part one image lacks shows ``—``.
    """
    if not isinstance(a, Image) or not isinstance(b, Image):
        raise InvalidArgument(f"compare_images() compares two Image objects (host.image(...)), got "
                        f"{type(a).__name__} and {type(b).__name__}")
    if len(names) != 2:
        raise InvalidArgument(f"names must be two column names, got {names!r}")
    parts = [(f"layer {i}",
              a.layers[i].digest if i < len(a.layers) else None,
              b.layers[i].digest if i < len(b.layers) else None)
             for i in range(max(len(a.layers), len(b.layers)))]
    parts.append(("config", a.config_blob.digest, b.config_blob.digest))
    parts.append(("manifest", a.digest, b.digest))
    rows = [(part, x.short if x else "—", y.short if y else "—", "same" if x == y else "changed")
            for part, x, y in parts]
    return Table(("PART", names[0], names[1], "SAME?"), rows)
