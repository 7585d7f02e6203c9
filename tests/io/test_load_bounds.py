"""Issue 16: ``--load`` bounds decompression. Finding: ``regsim serve --load`` of a 2 MB
``.tar.gz`` holding a 2 GiB layer took 2.1 GiB.

A source may expand to at most ``max_ratio`` times its size (checked on the tar headers, before
anything is decompressed, and on every byte read, since links let a member be read again and
again); a blob's declared size is checked before it is read; a load in memory holds at most
``max_memory`` bytes and says to use ``--data``; a registry on disk gets its layers streamed
to disk. (The memory figures are printed by benchmarks/bounds_memory.py.)
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import subprocess
import sys
import tarfile
import tracemalloc

import pytest

from regsim import Registry
from regsim.errors import SizeInvalid
from regsim.io import LayoutError, LoadLimits, import_images, read_images, write_layout
from regsim.oci.image import Image, Layer

MiB = 1 << 20


class Pattern(io.RawIOBase):
    """``size`` bytes of a repeating 1 MiB block, produced as they are read (never held whole)."""

    def __init__(self, size: int, block: bytes) -> None:
        self.left, self.block, self.at = size, block, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left, len(self.block) - self.at)
        buffer[:n] = self.block[self.at:self.at + n]
        self.at = (self.at + n) % len(self.block)
        self.left -= n
        return n


def pattern_digest(size: int, block: bytes) -> str:
    h = hashlib.sha256()
    source = Pattern(size, block)
    while piece := source.read(MiB):
        h.update(piece)
    return "sha256:" + h.hexdigest()


def docker_save(path, layer_size: int, *, block: bytes = bytes(MiB), mode: str = "w", links: int = 0) -> str:
    """A ``docker save`` archive of one image whose layer is ``layer_size`` bytes of ``block``
    (streamed in); ``links`` more layers are hard links to it. Returns the layer's digest."""
    digest = pattern_digest(layer_size, block)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [digest] * (1 + links)}}).encode()
    names = ["layer0/layer.tar"] + [f"link{i}/layer.tar" for i in range(links)]
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["demo/app:1.0"], "Layers": names}]).encode()
    with tarfile.open(path, mode) as tar:
        for name, data in (("manifest.json", manifest), ("config.json", config)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(names[0])
        info.size = layer_size
        tar.addfile(info, io.BufferedReader(Pattern(layer_size, block)))
        for name in names[1:]:
            link = tarfile.TarInfo(name)
            link.type, link.linkname = tarfile.LNKTYPE, names[0]
            tar.addfile(link)
    return digest


def noise(size: int, seed: int = 16) -> bytes:
    """Incompressible bytes (so no ratio cap is involved)."""
    return random.Random(seed).randbytes(size)


def peak_of(fn):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_is_refused_from_its_headers_before_it_expands(tmp_path):
    bomb = tmp_path / "bomb.tar.gz"
    docker_save(bomb, 64 * MiB, mode="w:gz")
    assert bomb.stat().st_size < 200_000
    registry = Registry()
    limits, events = LoadLimits(ratio_floor=4 * MiB), len(registry.events)

    def load():
        with pytest.raises(LayoutError, match="expands to more than .* over 100 times its size on disk"):
            import_images(registry, bomb, limits=limits)

    _, peak = peak_of(load)
    assert peak < 4 * MiB and registry.snapshot() == Registry().snapshot() and len(registry.events) == events


def test_a_layer_read_again_through_hard_links_counts_every_time(tmp_path):
    saved = tmp_path / "links.tar"
    docker_save(saved, 2 * MiB, block=noise(MiB), links=40)
    with pytest.raises(LayoutError, match="expands to more than"):
        read_images(saved, LoadLimits(max_ratio=10, ratio_floor=0, max_memory=None))
    assert len(read_images(saved, LoadLimits(max_ratio=100, ratio_floor=0, max_memory=None))[0].image.layers) == 41


def test_a_size_that_disagrees_with_its_descriptor_is_refused_unread(tmp_path):
    layer = Layer.from_files([("/big", b"b" * 100)])
    image = Image.create([layer])
    layout = write_layout(tmp_path / "layout", [("1.0", image)])
    path = layout / "blobs" / "sha256" / layer.digest.removeprefix("sha256:")
    path.write_bytes(bytes(16 * MiB))  # the descriptor still says a few hundred bytes
    _, peak = peak_of(lambda: pytest.raises(SizeInvalid, read_images, layout))
    assert peak < MiB


def test_a_truncated_compressed_member_is_a_clear_error(tmp_path):
    whole = tmp_path / "whole.tar.gz"
    docker_save(whole, 3 * MiB, block=noise(MiB), mode="w:gz")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(LayoutError, match="cut.tar.gz"):
        read_images(cut)


def test_a_load_in_memory_is_capped_and_says_to_use_data(tmp_path):
    saved = tmp_path / "big.tar"
    docker_save(saved, 12 * MiB, block=noise(MiB))
    registry = Registry()
    events = len(registry.events)
    with pytest.raises(LayoutError, match=r"more than the 8388608 bytes a load may hold in memory .*serve --data"):
        import_images(registry, saved, limits=LoadLimits(max_memory=8 * MiB))
    assert len(registry.events) == events and registry.snapshot() == Registry().snapshot()
    assert import_images(registry, saved, limits=LoadLimits(max_memory=16 * MiB)) == {
        "demo/app:1.0": read_images(saved)[0].digest}


def test_a_load_into_a_registry_on_disk_streams_layers_to_disk(tmp_path):
    saved = tmp_path / "big.tar"
    block = noise(MiB)
    digest = docker_save(saved, 48 * MiB, block=block, links=1)
    registry = Registry.open(tmp_path / "store")
    pushed, peak = peak_of(lambda: import_images(registry, saved, limits=LoadLimits(max_memory=4 * MiB)))
    assert list(pushed) == ["demo/app:1.0"]
    assert peak < 16 * MiB, f"peak {peak / MiB:.1f} MiB for a 48 MiB layer (read twice)"
    assert registry.blobs[digest].size == 48 * MiB
    assert hashlib.sha256(registry.blobs[digest].data).hexdigest() == digest.removeprefix("sha256:")
    assert [p.name for p in (tmp_path / "store" / ".regsim-tmp").iterdir()] == []  # no spool left
    again = Registry.open(tmp_path / "store")
    assert again.snapshot() == registry.snapshot()


def test_regsim_serve_refuses_a_bomb_in_one_line(tmp_path):
    bomb = tmp_path / "bomb.tar.gz"
    docker_save(bomb, 256 * MiB, mode="w:gz")
    done = subprocess.run([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--load", f"{bomb}=demo/app"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"regsim: cannot load {bomb}: ") and "expands to more than 67108864 bytes" in line
