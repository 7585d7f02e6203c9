"""Artifacts in the graph (issue 19, item 5): an SBOM or a signature pushed with a ``subject`` is drawn
in its own column, in front of the manifest it is about, with a ``subject`` edge; when that manifest
is gone, the artifact says so."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("matplotlib")

import regsim
import regsim.viz as viz
from regsim.client.remote import write
from regsim.oci.mediatypes import OCI_MANIFEST
from regsim.viz.layout import layered_layout

EMPTY = {"mediaType": "application/vnd.oci.empty.v1+json", "digest": regsim.Digest.of(b"{}"), "size": 2}


def registry_with_an_sbom():
    reg = regsim.Registry("localhost:5000")
    image = regsim.Image.create([regsim.Layer.from_files([("/app", b"app")])])
    digest = write(reg, "team/app", image, tags=["1.0"])
    stored = reg.resolve("team/app", "1.0")
    sbom = b'{"spdxVersion": "SPDX-2.3"}'
    reg.push_blob("team/app", regsim.Blob(sbom), regsim.Digest.of(sbom))
    reg.push_blob("team/app", regsim.Blob(b"{}"), regsim.Digest.of(b"{}"))
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/spdx+json",
                "config": {**EMPTY, "digest": str(EMPTY["digest"])},
                "layers": [{"mediaType": "application/spdx+json", "digest": str(regsim.Digest.of(sbom)), "size": len(sbom)}],
                "subject": {"mediaType": stored.media_type, "digest": str(stored.digest), "size": stored.size}}
    data = json.dumps(manifest).encode()
    artifact = reg.put_manifest("team/app", str(regsim.Digest.of(data)), data, media_type=OCI_MANIFEST)
    return reg, stored.digest, artifact


def test_an_artifact_points_at_its_subject_from_its_own_column():
    reg, subject, artifact = registry_with_an_sbom()
    G = viz.to_graph(reg)
    a, s = f"manifest:localhost:5000@{artifact}", f"manifest:localhost:5000@{subject}"
    assert G.edges[a, s]["kind"] == "subject"
    assert G.nodes[a]["artifact_type"] == "application/spdx+json" and "application/spdx+json" in G.nodes[a]["label"]
    pos = layered_layout(G)
    assert pos[a][0] < pos[s][0], "the artifact stands in front of its subject"
    assert len({pos[n][0] for n in G if G.nodes[n]["type"] == "manifest"}) == 2
    fig = viz.draw(G)
    figure = fig if hasattr(fig, "legends") else fig.figure
    labels = [t.get_text() for legend in [*figure.legends, *(ax.get_legend() for ax in figure.axes)] if legend
              for t in legend.get_texts()]
    assert "artifact is about (its subject)" in labels, labels


def test_an_artifact_whose_subject_is_gone_says_so():
    reg, subject, artifact = registry_with_an_sbom()
    reg.delete_manifest("team/app", subject)
    G = viz.to_graph(reg)
    a = f"manifest:localhost:5000@{artifact}"
    assert "subject gone" in G.nodes[a]["label"]
    assert not [e for e in G.edges(data="kind") if e[2] == "subject"]
