"""Issue 11: a real ``docker save`` of two images sharing a layer loads into the model, and docker
pulls both back from the server and runs them.

The session's engine (a private dockerd, see tests/engines/conftest.py) writes the archive: Docker
20.10 writes the legacy layout, where the second copy of a shared layer is the in-archive symlink
``<id>/layer.tar -> ../<other>/layer.tar``; Docker 25 and later write an OCI layout too. Both load.
"""

from __future__ import annotations

import os
import secrets
import tarfile

from regsim import Registry
from regsim.io import import_images
from regsim.server import serve


def test_a_docker_save_of_two_images_sharing_a_layer_loads_and_pulls_back(docker_engine, base, tmp_path):
    name = f"regsim-save-{secrets.token_hex(4)}"
    # The same COPY layer (same bytes, same mtime) on different parents: Docker 20.10 gives it a
    # different v1 id in each image and writes its second copy as a symlink.
    images = []
    for word, steps in (("one", ["COPY shared /shared", "COPY one /one"]),
                        ("two", ["COPY two /two", "COPY shared /shared"])):
        context = tmp_path / word
        context.mkdir()
        for file in ("shared", word):
            (context / file).write_text(f"{file}\n")
            os.utime(context / file, (0, 0))
        (context / "Dockerfile").write_text("\n".join([f"FROM {base}", *steps]) + "\n")
        tag = f"{name}/{word}:1"
        docker_engine.docker("build", "-q", "-t", tag, str(context))
        images.append(tag)
    archive = tmp_path / "saved.tar"
    try:
        docker_engine.docker("save", "-o", str(archive), *images)
    finally:
        docker_engine.docker("rmi", *images, check=False)
    with tarfile.open(archive) as tar:
        links = [m for m in tar.getmembers() if m.issym()]
        layouts = {"legacy" if not any(m.name == "oci-layout" for m in tar.getmembers()) else "oci"}
    assert layouts == {"oci"} or links, "a legacy archive of two images sharing a layer has a symlink"

    registry = Registry("localhost:5000")
    pushed = import_images(registry, archive)
    assert sorted(pushed) == sorted(images)
    with serve(registry) as server:
        for word, tag in zip(("one", "two"), images):
            remote = f"{server.address}/{tag}"
            docker_engine.docker("pull", "-q", remote)
            try:
                ran = docker_engine.docker("run", "--rm", "--network", "none", remote, "cat", f"/{word}")
                assert ran.stdout.strip() == word
            finally:
                docker_engine.docker("rmi", remote, check=False)
