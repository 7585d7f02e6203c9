"""compare_images() names, part by part, what a change to an image changed."""

import pytest

from regsim import Image, ImageConfig, Layer, World
from regsim.client.compare import compare_images


def _rows(table):
    return [tuple(r.values()) for r in table]


def test_a_config_change_keeps_the_layers():
    layer = Layer.from_files([("/hello", b"hello")])
    one = Image.create([layer], ImageConfig(cmd=("cat", "/hello")))
    two = Image.create([layer], ImageConfig(cmd=("head", "/hello")))
    rows = _rows(compare_images(one, two, names=("cat", "head")))
    assert [r[0] for r in rows] == ["layer 0", "config", "manifest"]
    assert [r[3] for r in rows] == ["same", "changed", "changed"]
    assert rows[0][1] == layer.digest.short


def test_missing_layers_show_a_dash_and_the_same_image_is_all_same():
    a = Image.create([Layer.from_files([("/a", b"a")])])
    b = Image.create([*a.layers, Layer.from_files([("/b", b"b")])])
    rows = _rows(compare_images(a, b))
    assert rows[1] == ("layer 1", "—", b.layers[1].digest.short, "changed")
    assert {r["SAME?"] for r in compare_images(a, a)} == {"same"}


def test_platform_variants_of_an_official_image_share_nothing():
    world = World.standard(quiet=True)
    world.add_host("pi", platform="linux/arm64", quiet=True).pull("alpine")
    world.hosts["laptop"].pull("alpine")
    table = compare_images(world.hosts["laptop"].image("alpine"), world.hosts["pi"].image("alpine"),
                           names=("amd64", "arm64"))
    assert {r["SAME?"] for r in table} == {"changed"}
    assert str(table).splitlines()[0].split() == ["PART", "amd64", "arm64", "SAME?"]


def test_bad_arguments_are_named():
    image = Image.create([])
    with pytest.raises(TypeError, match="two Image objects"):
        compare_images(image, "alpine")
    with pytest.raises(ValueError, match="two column names"):
        compare_images(image, image, names=("one",))
