from regsim import Image, ImageIndex, Layer, Registry
from regsim.client.remote import copy, read, write


def test_write_read_copy_index():
    amd = Image.create([Layer.from_files([("/a", b"amd")])])
    index = ImageIndex.create([amd])
    src, dst = Registry("src.io"), Registry("dst.io")
    write(src, "team/app", index, tags=["1.0", "latest"])
    assert list(src.tags("team/app")) == ["1.0", "latest"]
    back = read(src, "team/app", "1.0")
    assert back.digest == index.digest and back.images[0].digest == amd.digest
    assert read(src, "team/app", "1.0", platform="linux/amd64").digest == amd.digest
    copy(src, "team/app", "1.0", dst, "mirror/app", tags=["1.0"])
    assert dst.get_manifest("mirror/app", "1.0").data == index.index_bytes
