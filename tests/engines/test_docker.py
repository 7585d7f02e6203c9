"""docker build, tag, push, pull, run, rmi and images against `regsim serve`; podman push and pull."""

from __future__ import annotations

import pytest
from helpers import skip_or_fail

from regsim.events import BlobMounted, BlobUploaded, ManifestPushed
from regsim.engines.clients import ToolMissing, make_client
from regsim.engines.docker import EngineError, PodmanClient

pytestmark = pytest.mark.tools

APP = 'FROM {base}\nRUN echo built > /built\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n'


def test_build_push_again_sibling_pull_run(docker, served, base):
    registry = served.registry
    busybox = docker.reference("library/busybox", "1")
    docker.tag(base, busybox)
    first = docker.push("library/busybox", "1")
    assert first.lines[0] == f"The push refers to repository [{served.address}/library/busybox]"
    assert list(first.layers.values()) == ["Pushed"]
    assert first.digest == registry.resolve("library/busybox", "1").digest

    built = docker.build(APP.format(base=busybox), docker.reference("demo/app", "1.0"),
                         {"hello.txt": b"hello from a real build\n"})
    assert built.lines[-1] == f"Successfully tagged {docker.reference('demo/app', '1.0')}"
    assert built.events == ()  # the base was local: the server saw nothing

    pushed = docker.push("demo/app", "1.0")
    assert sorted(pushed.layers.values()) == ["Mounted from library/busybox", "Pushed", "Pushed"]
    assert sorted(pushed.blobs.values()) == ["mounted", "uploaded", "uploaded", "uploaded"]  # config too
    assert any(isinstance(e, ManifestPushed) for e in pushed.events)

    again = docker.push("demo/app", "1.0")
    assert list(again.layers.values()) == ["Layer already exists"] * 3
    assert not any(isinstance(e, (BlobUploaded, BlobMounted)) for e in again.events)
    assert again.digest == pushed.digest

    docker.tag(docker.reference("demo/app", "1.0"), docker.reference("demo/other", "1.0"))
    sibling = docker.push("demo/other", "1.0")
    assert list(sibling.layers.values()) == ["Mounted from demo/app"] * 3

    docker.rmi(docker.reference("demo/app", "1.0"), docker.reference("demo/other", "1.0"))
    pulled = docker.pull("demo/app", "1.0")
    assert sorted(pulled.layers.values()) == ["Already exists", "Pull complete", "Pull complete"]
    assert pulled.digest == pushed.digest
    assert f"Status: Downloaded newer image for {docker.reference('demo/app', '1.0')}" in pulled.lines

    ran = docker.run(docker.reference("demo/app", "1.0"))
    assert ran.lines == ("hello from a real build",)
    listed = docker.images()
    assert listed.lines[0].split()[:3] == ["REPOSITORY", "TAG", "IMAGE"]
    assert docker.reference("demo/app", "1.0") in docker.image_ids()
    docker.rmi(docker.reference("demo/app", "1.0"), busybox)
    assert docker.reference("demo/app", "1.0") not in docker.image_ids()


def test_a_failing_command_names_itself(docker):
    with pytest.raises(EngineError, match=r"(?s)docker push .*/no/such:1 failed .*does not exist locally"):
        docker.push("no/such", "1")
    with pytest.raises(TypeError, match="pushes the engine's own image"):
        docker.push("demo/app", "1.0", image=object())


def test_make_client_gives_docker_on_a_daemon(served, docker_engine):
    with make_client(served, tool="docker", daemon=docker_engine) as client:
        assert client.tool == "docker" and client.daemon is docker_engine and client.registry is served.registry
    assert docker_engine.running  # an engine passed in is not stopped


@pytest.fixture
def podman(served):
    try:
        client = PodmanClient(served)
    except ToolMissing as exc:
        skip_or_fail(str(exc))
    with client:
        yield client


def test_podman_builds_pushes_mounts_and_pulls(podman, served):
    from regsim.engines.daemon import base_image

    busybox = podman.reference("library/busybox", "1")
    podman.tag(base_image(podman), busybox)
    assert sorted(podman.push("library/busybox", "1").blobs.values()) == ["uploaded", "uploaded"]
    podman.build(APP.format(base=busybox), podman.reference("demo/app", "1.0"), {"hello.txt": b"from podman\n"})
    pushed = podman.push("demo/app", "1.0")
    # podman prints no per-layer status; the server's events say what happened
    assert "Writing manifest to image destination" in pushed.lines
    assert sorted(pushed.blobs.values()).count("uploaded") == 3  # two new layers and the config
    podman.tag(podman.reference("demo/app", "1.0"), podman.reference("demo/other", "1.0"))
    sibling = podman.push("demo/other", "1.0")
    assert sorted(sibling.blobs.values()) == ["mounted", "mounted", "mounted", "uploaded"]
    podman.rmi(podman.reference("demo/app", "1.0"), podman.reference("demo/other", "1.0"))
    pulled = podman.pull("demo/app", "1.0")
    assert sorted(set(pulled.blobs.values())) == ["downloaded"]
    assert served.registry.resolve("demo/app", "1.0").digest == served.registry.resolve("demo/other", "1.0").digest
    assert podman.run(podman.reference("demo/app", "1.0")).lines == ("from podman",)


def test_docker_logs_in_to_a_classroom_and_pushes_where_it_may(docker_engine, base):
    from regsim.server.classroom import Classroom, Participant
    from regsim.engines.docker import DockerClient

    with Classroom([Participant("alice", "pw-a"), Participant("bob", "pw-b")]) as room:
        server = room.serve()
        with DockerClient(server, docker_engine) as docker:
            assert "Login Succeeded" in docker.login("alice", "pw-a").lines
            for repository in ("alice/busybox", "team/busybox", "bob/busybox"):
                docker.tag(base, docker.reference(repository, "1"))
            assert list(docker.push("alice/busybox", "1").layers.values()) == ["Pushed"]
            assert list(docker.push("team/busybox", "1").layers.values()) == ["Mounted from alice/busybox"]
            with pytest.raises(EngineError, match="denied"):
                docker.push("bob/busybox", "1")
            docker.rmi(*(docker.reference(r, "1") for r in ("alice/busybox", "team/busybox", "bob/busybox")))
        activity = room.activity()
    assert activity.by_name("alice").pushed == ("alice/busybox:1", "team/busybox:1")
    assert activity.by_name("alice").mounted == 1 and activity.by_name("bob").pushed == ()


def test_plain_http_needs_no_setting_on_loopback_but_does_elsewhere(docker_engine, base):
    """Docker reaches 127.0.0.0/8 registries over plain HTTP by default; any other address needs
    --insecure-registry (daemon.json's "insecure-registries"), as the workshop set-up says."""
    import socket

    from regsim import Registry
    from regsim.server import serve
    from regsim.engines.daemon import start_private_daemon
    from regsim.engines.docker import DockerClient

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing address
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    if address.startswith("127."):
        pytest.skip("this machine has no address outside 127.0.0.0/8")
    with serve(Registry("localhost:5000"), host=address) as server:
        with DockerClient(server, docker_engine) as docker:
            docker.tag(base, docker.reference("demo/busybox", "1"))
            with pytest.raises(EngineError, match="server gave HTTP response to HTTPS client"):
                docker.push("demo/busybox", "1")
            docker.rmi(docker.reference("demo/busybox", "1"))
        with start_private_daemon(insecure_registries=(server.address,)) as daemon, \
                DockerClient(server, daemon) as docker:
            from regsim.engines.daemon import base_image

            docker.tag(base_image(daemon), docker.reference("demo/busybox", "1"))
            assert list(docker.push("demo/busybox", "1").layers.values()) == ["Pushed"]


def test_podman_logs_in_to_a_classroom_and_pushes_to_the_team():
    from regsim.server.classroom import Classroom, Participant
    from regsim.engines.daemon import base_image

    with Classroom([Participant("alice", "pw-a")]) as room:
        server = room.serve()
        try:
            podman = PodmanClient(server)
        except ToolMissing as exc:
            skip_or_fail(str(exc))
        with podman:
            podman.login("alice", "pw-a")
            podman.tag(base_image(podman), podman.reference("team/busybox", "alice"))
            pushed = podman.push("team/busybox", "alice")
        assert sorted(pushed.blobs.values()) == ["uploaded", "uploaded"]
        assert room.activity().by_name("alice").pushed == ("team/busybox:alice",)
