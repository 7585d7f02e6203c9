"""Dedup strategies and chunking: definitions, properties, and the published shape."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.oci.image import Image, Layer
from regsim.sim.chunking import cdc_boundaries, cdc_boundaries_reference, cdc_chunks, fixed_chunks
from regsim.sim.content import official_content
from regsim.sim.dedup import STRATEGIES, dedup_report
from regsim.sim.errors import InvalidParameter
from regsim.sim.workloads import official_catalog


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=6000), st.sampled_from([64, 256, 1024]))
def test_fast_cdc_equals_the_byte_by_byte_reference(data, average):
    assert cdc_boundaries(data, average) == cdc_boundaries_reference(data, average)
    chunks = cdc_chunks(data, average)
    assert b"".join(chunks) == data
    assert all(len(c) <= average * 8 for c in chunks)
    assert all(len(c) >= average // 4 for c in chunks[:-1])


def test_cdc_survives_an_insertion_fixed_chunks_do_not():
    data = random.Random(1).randbytes(200_000)
    edited = data[:1000] + b"inserted" + data[1000:]
    cdc_a, cdc_b = set(cdc_chunks(data, 4096)), set(cdc_chunks(edited, 4096))
    fixed_a, fixed_b = set(fixed_chunks(data, 4096)), set(fixed_chunks(edited, 4096))
    assert len(cdc_a & cdc_b) >= len(cdc_a) - 3
    assert len(fixed_a & fixed_b) == 0


def test_chunk_size_errors():
    with pytest.raises(InvalidParameter, match="power of two, got 1000"):
        cdc_chunks(b"x" * 5000, 1000)
    with pytest.raises(InvalidParameter, match="chunk size must be >= 1, got 0"):
        fixed_chunks(b"x", 0)


def image_of(files_per_layer):
    return Image.create([Layer.from_files(files) for files in files_per_layer])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.binary(min_size=1, max_size=3000), min_size=1, max_size=4), min_size=1, max_size=4),
       st.booleans())
def test_ratios_are_at_least_one_and_exactly_one_without_repeats(layers, compressed):
    images = [image_of([[(f"/f{i}-{j}", data) for j, data in enumerate(files)]]) for i, files in enumerate(layers)]
    report = dedup_report(images, compression=(compressed,))
    assert (report["dedup_ratio"] >= 1.0).all()
    assert (report["stored_bytes"] <= report["logical_bytes"]).all()
    # now content with no repeats at all: distinct random bytes (no two chunks alike), in whole 64-byte
    # chunks (a short random tail, such as 1 byte, repeats by chance: 1 in 256 for two 1-byte tails)
    rng = random.Random(len(layers))
    unique = [image_of([[(f"/u{i}-{j}", rng.randbytes(64 * (2 + len(d) // 64))) for j, d in enumerate(files)]])
              for i, files in enumerate(layers)]
    report = dedup_report(unique, compression=(compressed,), average_chunk=64, chunk_size=64)
    assert (report["dedup_ratio"] == 1.0).all(), report


def test_file_level_finds_what_layer_level_cannot():
    shared = [("/usr/lib/libssl.so", b"ssl" * 3000), ("/etc/ssl/certs.pem", b"cert" * 2000)]
    a = image_of([shared + [("/app/a", b"a" * 100)]])
    b = image_of([shared + [("/app/b", b"b" * 100)]])
    report = dedup_report([a, b], strategies=("layer", "file")).set_index("strategy")
    assert report.loc["layer", "dedup_ratio"] == 1.0
    assert report.loc["file", "dedup_ratio"] > 1.9
    assert report.loc["file", "stored_bytes"] < report.loc["layer", "stored_bytes"] / 1.9


def test_placeholders_are_opaque_units():
    report = dedup_report(official_catalog(), strategies=STRATEGIES).set_index("strategy")
    assert (report["opaque_bytes"] > 0).all()
    assert report.loc["layer", "dedup_ratio"] == pytest.approx(1.78, abs=0.01)
    assert report.loc["file", "stored_bytes"] == report.loc["layer", "stored_bytes"]


def test_official_images_file_level_saves_far_more_than_layer_level():
    """The shape of Zhao et al. (2019): file-level dedup beats layer dedup by a wide margin."""
    report = dedup_report(official_content(), compression=(False, True)).set_index(["compressed", "strategy"])
    raw = report.loc[False]
    assert raw.loc["layer", "dedup_ratio"] == pytest.approx(1.75, abs=0.05)  # the real sharing
    assert raw.loc["layer", "saving"] > 0.35
    assert raw.loc["file", "saving"] > raw.loc["layer", "saving"] + 0.2
    assert raw.loc["file", "stored_bytes"] < raw.loc["layer", "stored_bytes"] / 2
    assert raw.loc["cdc", "stored_bytes"] <= raw.loc["fixed", "stored_bytes"] <= raw.loc["file", "stored_bytes"]
    packed = report.loc[True]
    assert (packed["stored_bytes"] < raw["stored_bytes"]).all()  # the content compresses
    assert (raw["metadata_bytes"].drop("none") > 0).all()


def test_content_model_is_seeded():
    a = official_content(repos=["alpine", "nginx"], seed=1)
    assert a == official_content(repos=["alpine", "nginx"], seed=1)
    assert set(a.layers()) != set(official_content(repos=["alpine", "nginx"], seed=2).layers())


def test_unknown_strategy_and_input():
    with pytest.raises(InvalidParameter, match="'block'"):
        dedup_report([], strategies=("block",))
    with pytest.raises(InvalidParameter, match="got str"):
        dedup_report(["python"])
