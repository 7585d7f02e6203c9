"""One pluralising helper for every count regsim prints ("1 repository", never "1 repositories")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import regsim
from regsim import Image, Layer, Registry
from regsim.display import to_html
from regsim.client.remote import write
from regsim.units import plural

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("count, noun, expected", [
    (0, "repository", "0 repositories"), (1, "repository", "1 repository"), (2, "repository", "2 repositories"),
    (1, "manifest", "1 manifest"), (2, "tag", "2 tags"), (1, "new layer", "1 new layer"),
    (2, "new layer", "2 new layers"), (2, "index", "2 indexes"), (2, "day", "2 days"), (2, "cached step", "2 cached steps"),
])
def test_plural_takes_the_count_into_account(count, noun, expected):
    assert plural(count, noun) == expected


def test_one_of_everything_is_singular_in_reprs_and_tables():
    reg = Registry("localhost:5000")
    image = Image.create([Layer.from_files([("/a", b"a")])])
    write(reg, "team/app", image, tags=["1.0"])
    caption = to_html(reg)
    assert "1 repository," in caption and "1 repositories" not in caption
    repo_html = to_html(reg.repositories["team/app"])
    assert "1 tag," in repo_html and "1 manifest (" in repo_html
    assert "1 layer," in repr(image)
    world = regsim.World()
    laptop = world.add_host("laptop", quiet=True)
    result = laptop.build("FROM scratch\nCOPY a /a\n", "app:1", context={"a": b"a"})
    assert "1 new layer," in repr(result) and "0 cached steps" in repr(result)


def test_no_hand_made_plurals_are_left_in_the_package():
    """Every count goes through ``plural``: no ``{'s' if n != 1 else ''}`` tricks, no "{n} blobs"."""
    hand_made = re.compile(r"""\} \w+\{'s' if|\} \w+\{"s" if|\{len\([^)]*\)\} (repositories|manifests|tags|layers|blobs|images|platforms)\b""")
    offenders = []
    for path in (ROOT / "regsim").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if hand_made.search(line) and path.parent.name != "sim":
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
