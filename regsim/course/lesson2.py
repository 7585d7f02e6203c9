"""Lesson 2 exercises: content addressing."""

from __future__ import annotations

from ..client.compare import compare_images
from ..oci.digest import Digest
from ..oci.image import Image
from ..client.outcome import Outcome
from ._world import fresh_world
from .workbook import WORKBOOK

#: The lesson's two images (the notebook builds exactly these).
HELLO = """
FROM scratch
COPY hello.txt /
CMD ["cat", "/hello.txt"]
"""
GREETING = """
FROM scratch
COPY hello.txt /
COPY bye.txt /
CMD ["cat", "/hello.txt", "/bye.txt"]
"""
FILES = {"hello.txt": b"hello world\n", "bye.txt": b"goodbye\n"}


def _abc() -> Digest:
    return Digest.of(b"abc")


def _new_blobs_for_a_copy() -> int:
    world = fresh_world()
    laptop, registry = world.hosts["laptop"], world.registries["localhost:5000"]
    laptop.build(HELLO, "localhost:5000/demo/hello:1.0", context=FILES)
    laptop.push("localhost:5000/demo/hello:1.0")
    before = len(registry.blobs)
    laptop.tag("localhost:5000/demo/hello:1.0", "localhost:5000/demo/copy:1.0")
    laptop.push("localhost:5000/demo/copy:1.0")
    return len(registry.blobs) - before


def _changed_parts() -> set[str]:
    laptop = fresh_world().hosts["laptop"]
    one = laptop.build(GREETING, "greeting:1", context=FILES).image
    two = laptop.build(GREETING, "greeting:2", context={**FILES, "bye.txt": b"see you later\n"}).image
    assert isinstance(one, Image) and isinstance(two, Image)  # one platform: an image, not an index
    return {row["PART"] for row in compare_images(one, two) if row["SAME?"] == "changed"}


def _refused(answer: object) -> str | None:
    if not isinstance(answer, Outcome):
        return (f"expected what attempt(...) returns (an Outcome), got {type(answer).__name__}: "
                "write check(\"2.4\", attempt(registry.push_blob, ...))")
    if answer.ok:
        return "the registry accepted that upload: the bytes really have that digest. Change the bytes"
    if answer.code != "DIGEST_INVALID":
        return f"refused, but with {answer.code}, not DIGEST_INVALID: {answer.message}"
    return None


WORKBOOK.add("2.1", "What is the digest of the three bytes b'abc'? Answer with the text 'sha256:…'.",
             expected=_abc, hint="Digest.of(...)",
             hints=["the answer is text: 'sha256:' followed by 64 hex digits"])
WORKBOOK.add("2.2", "Tag demo/hello:1.0 as localhost:5000/demo/copy:1.0 and push it. How many new blobs "
             "does the registry store?", expected=_new_blobs_for_a_copy,
             hint="compare len(registry.blobs) before and after the push",
             hints=['a tag is a pointer: does the copy have any bytes the registry lacks?'])
WORKBOOK.add("2.3", "Change only bye.txt and rebuild the greeting image: which parts get a new digest? "
             "Answer a set of PART names of compare_images, like {'layer 0', 'config'}.",
             expected=_changed_parts, item="part", hint="build the changed image under a new tag, then compare_images(old, new)",
             hints=["a changed layer has a new digest; the config lists the layers' diff_ids; "
                    "the manifest names the config"])
WORKBOOK.add("2.4", "Make the registry refuse an upload with DIGEST_INVALID, and check the outcome.",
             checker=_refused, hint="attempt(registry.push_blob, repository, some_bytes, a_digest_of_other_bytes)", solution="tests/course/test_solutions.py::solve_2_4", solution_test="test_solution_passes_its_check")
