"""The docker-like client engine: build, tag, push, pull, images, rmi, login."""

import pytest

from regsim import Host, Registry, World
from regsim import events as ev
from regsim.errors import BuildError, Denied, ImageInUse, ImageUnknown, ManifestUnknown, RegistryUnreachable, Unauthorized

APP = """
FROM python:3.11
RUN pip install flask
COPY app.py /app/
CMD ["python", "/app/app.py"]
"""
CONTEXT = {"app.py": b"print('hello')"}


@pytest.fixture
def laptop(world) -> Host:
    return world.hosts["laptop"]


def test_pull_prints_docker_lines(world, laptop):
    result = laptop.pull("alpine")
    assert result.lines[0] == "Using default tag: latest"
    assert result.lines[1] == "latest: Pulling from library/alpine"
    assert result.lines[2].endswith(": Pull complete")
    assert result.lines[3] == f"Digest: {result.digest}"
    assert result.lines[4] == "Status: Downloaded newer image for alpine:latest"
    assert result.lines[5] == "docker.io/library/alpine:latest"
    again = laptop.pull("alpine")
    assert again.up_to_date and again.bytes_received == 0
    assert again.lines[-2] == "Status: Image is up to date for alpine:latest"


def test_pull_downloads_only_missing_layers(world, laptop):
    python = laptop.pull("python:3.11")
    node = laptop.pull("node:18")
    shared = {d for d, s in node.statuses if s == "exists"}
    assert len(shared) == 5  # the Debian bullseye family layers python:3.11 already brought
    assert all(s == "downloaded" for _, s in python.statuses)
    assert node.bytes_received < sum(layer.size for layer in laptop.image("node:18").layers)
    pulled = world.events.of(ev.LayerPulled)
    assert {e.status for e in pulled} == {"downloaded", "exists"}


def test_pull_picks_the_host_platform(world):
    pi = world.add_host("raspberry", platform="linux/arm64", quiet=True)
    result = pi.pull("alpine")
    assert str(pi.image("alpine").platform) == "linux/arm64/v8"
    amd = world.hosts["laptop"].pull("alpine")
    assert amd.digest == result.digest  # same index digest ...
    assert amd.image_id != result.image_id  # ... different platform images


def test_pull_of_missing_platform_and_tag(world):
    mainframe = world.add_host("mainframe", platform="linux/s390x", quiet=True)
    with pytest.raises(ManifestUnknown) as info:
        mainframe.pull("alpine")
    assert "no matching manifest for linux/s390x" in info.value.message
    with pytest.raises(ManifestUnknown):
        world.hosts["laptop"].pull("alpine:does-not-exist")


def test_build_is_deterministic_and_shares_base_layers(world, laptop):
    first = laptop.build(APP, "myapp:1.0", context=CONTEXT)
    ci = world.hosts["ci-runner"]
    second = ci.build(APP, "myapp:1.0", context=CONTEXT)
    assert first.image_id == second.image_id
    python_layers = [layer.digest for layer in laptop.image("python:3.11").layers]
    app_layers = [layer.digest for layer in laptop.image("myapp:1.0").layers]
    assert app_layers[: len(python_layers)] == python_layers
    assert len(app_layers) == len(python_layers) + 2
    assert first.lines[0] == "Step 1/4 : FROM python:3.11"
    assert first.lines[-2:] == (f"Successfully built {first.image_id.id12}", "Successfully tagged myapp:1.0")


def test_same_instruction_same_parent_same_layer_other_parent_other_layer(laptop):
    a = laptop.build("FROM python:3.11\nRUN pip install flask", "a")
    b = laptop.build("FROM python:3.11\nRUN pip install flask", "b")
    c = laptop.build("FROM node:18\nRUN pip install flask", "c")
    la, lb, lc = (laptop.image(x).layers[-1] for x in "abc")
    assert la.digest == lb.digest and la.digest != lc.digest
    # ... but the package's files are the same on both parents (what file-level dedup finds)
    files_a = dict(la.files())
    files_c = dict(lc.files())
    shared = {p for p in files_a if p in files_c and files_a[p] == files_c[p]}
    assert shared and all("site-packages/flask" in p for p in shared)
    assert "Using cache" in str(b)


def test_build_changes_the_config(laptop):
    laptop.build("FROM alpine\nENV A=1 B=two\nWORKDIR /srv\nUSER app\nEXPOSE 8080\nLABEL team=core\n"
                 'ENTRYPOINT ["/bin/app"]\nCMD --serve', "cfg")
    config = laptop.image("cfg").config
    assert "A=1" in config.env and "B=two" in config.env
    assert (config.working_dir, config.user, config.exposed_ports) == ("/srv", "app", ("8080/tcp",))
    assert config.labels["team"] == "core"
    assert config.entrypoint == ("/bin/app",) and config.cmd == ("/bin/sh", "-c", "--serve")
    assert config.history[-1].empty_layer


@pytest.mark.parametrize(
    "dockerfile, context, words",
    [
        ("RUN echo", {}, "RUN comes before the first FROM (only ARG may)"),
        ("FROM alpine\nFOO bar", {}, "unknown instruction 'FOO'"),
        ("FROM alpine\nCOPY missing.txt /", {}, "file not found in build context: 'missing.txt'"),
        ("FROM alpine\nRUN", {}, "RUN needs arguments"),
        ("FROM alpine AS a\nFROM alpine AS A", {}, "duplicate stage name 'a'"),
        ("FROM alpine\nADD https://example.com/x.tgz /x", {}, "no network here"),
        ("FROM alpine\nSHELL bash -c", {}, "SHELL requires the arguments to be in JSON form"),
        ("FROM alpine\nCOPY --own=1 a /", {"a": b""}, "unknown flag: --own for COPY"),
        ("FROM alpine\nRUN <<EOF\necho hi\n", {}, "here-document 'EOF' is not closed"),
        ("FROM alpine\nCOPY --from=later /x /\nFROM alpine AS later", {}, "that stage comes later"),
        ("# escape=x\nFROM alpine", {}, "invalid escape token 'x'"),
        ("FROM alpine\nENV A=${NOPE:?must be set}", {}, "NOPE: must be set"),
        ("FROM alpine\nHEALTHCHECK --interval=soon CMD true", {}, "invalid duration 'soon'"),
    ],
)
def test_build_errors(laptop, dockerfile, context, words):
    with pytest.raises(BuildError) as info:
        laptop.build(dockerfile, "bad", context=context)
    assert words in info.value.message
    assert not laptop.has_image("bad")


def test_push_to_hub_mounts_base_layers(world, laptop):
    hub = world.registries["docker.io"]
    hub.add_user("myusername", "pw")
    laptop.build(APP, "myusername/myapp:1.0", context=CONTEXT)
    laptop.login("docker.io", "myusername", "pw")
    result = laptop.push("myusername/myapp:1.0")
    assert result.lines[0] == "The push refers to repository [docker.io/myusername/myapp]"
    counts = result.counts
    assert counts == {"pushed": 2, "exists": 0, "mounted": 9}
    assert any(line.endswith("Mounted from library/python") for line in result.lines)
    assert result.lines[-1] == f"1.0: digest: {result.digest} size: {result.size}"
    again = laptop.push("myusername/myapp:1.0")
    assert again.counts == {"pushed": 0, "exists": 11, "mounted": 0} and again.bytes_sent == 0
    assert any(line.endswith(": Layer already exists") for line in again.lines)


def test_push_to_private_registry_uploads_everything_once(world, laptop):
    laptop.build(APP, "localhost:5000/team/myapp:1.0", context=CONTEXT)
    first = laptop.push("localhost:5000/team/myapp:1.0")
    assert first.counts["pushed"] == 11
    laptop.tag("localhost:5000/team/myapp:1.0", "localhost:5000/team/other:1.0")
    second = laptop.push("localhost:5000/team/other:1.0")
    assert second.counts == {"pushed": 0, "exists": 0, "mounted": 11}
    assert all("Mounted from team/myapp" in line for line in second.lines[1:-1])


def test_team_collaboration_through_a_shared_registry(world, laptop):
    laptop.build(APP, "localhost:5000/team/myapp:1.0", context=CONTEXT)
    laptop.push("localhost:5000/team/myapp:1.0")
    prod = world.hosts["prod-server"]
    prod.pull("python:3.11")
    result = prod.pull("localhost:5000/team/myapp:1.0")
    assert result.counts == {"downloaded": 2, "exists": 9}
    assert prod.image("localhost:5000/team/myapp:1.0").id == laptop.image("localhost:5000/team/myapp:1.0").id


def test_push_needs_login_and_rights(world, laptop):
    hub = world.registries["docker.io"]
    hub.add_user("alice", "pw")
    hub.add_user("bob", "pw")
    laptop.build("FROM alpine\nRUN apk add curl", "alice/tool:1")
    before = hub.snapshot()
    with pytest.raises(Unauthorized):
        laptop.push("alice/tool:1")
    laptop.login("docker.io", "bob", "pw")
    with pytest.raises(Denied):
        laptop.push("alice/tool:1")
    assert hub.snapshot() == before
    with pytest.raises(Unauthorized):
        laptop.login("docker.io", "bob", "wrong")


def test_push_without_local_image_and_unknown_registry(laptop):
    with pytest.raises(ImageUnknown) as info:
        laptop.push("nothing/here:1")
    assert "An image does not exist locally with the tag: nothing/here:1" in info.value.message
    laptop.build("FROM alpine", "registry.example.com/app:1")
    with pytest.raises(RegistryUnreachable) as info:
        laptop.push("registry.example.com/app:1")
    assert "no such host" in info.value.message


def test_images_and_rmi(world, laptop):
    laptop.pull("python:3.11")
    laptop.build(APP, "myapp:1.0", context=CONTEXT)
    table = laptop.images()
    assert table.columns == ("REPOSITORY", "TAG", "IMAGE ID", "SIZE")
    assert [(r["REPOSITORY"], r["TAG"]) for r in table] == [("myapp", "1.0"), ("python", "3.11")]
    assert str(table).splitlines()[0].startswith("REPOSITORY")
    before = laptop.disk_usage()
    out = laptop.rmi("myapp:1.0")
    assert out.lines[0] == "Untagged: myapp:1.0"
    assert sum(line.startswith("Deleted: sha256:") for line in out.lines) == 3  # image + 2 own layers
    assert laptop.disk_usage() < before
    assert [r["REPOSITORY"] for r in laptop.images()] == ["python"]
    with pytest.raises(ImageUnknown):
        laptop.rmi("myapp:1.0")


def test_rmi_of_multiply_tagged_image_needs_force(laptop):
    laptop.pull("alpine")
    laptop.tag("alpine", "mine:1")
    image_id = laptop.image("alpine").id
    with pytest.raises(ImageInUse):
        laptop.rmi(image_id.encoded[:12])
    out = laptop.rmi(image_id.encoded[:12], force=True)
    assert "Untagged: alpine:latest" in out.lines and "Untagged: mine:1" in out.lines
    assert laptop.disk_usage() == 0


def test_rmi_keeps_layers_other_images_need(laptop):
    laptop.pull("python:3.11")
    laptop.pull("node:18")
    laptop.rmi("node:18")
    for layer in laptop.image("python:3.11").layers:
        assert layer.digest in laptop.blobs


def test_multi_platform_build_and_push(world, laptop):
    result = laptop.build("FROM alpine\nRUN apk add curl", "localhost:5000/team/tool:1",
                          platforms=["linux/amd64", "linux/arm64/v8"])
    index = result.image
    assert [str(p) for p in index.platforms] == ["linux/amd64", "linux/arm64/v8"]
    push = laptop.push("localhost:5000/team/tool:1")
    assert push.digest == index.digest
    pi = world.add_host("pi", platform="linux/arm64", quiet=True)
    pi.pull("localhost:5000/team/tool:1")
    assert pi.image("localhost:5000/team/tool:1").digest == index.for_platform("linux/arm64").digest


def test_pull_by_digest(world, laptop):
    digest = laptop.pull("alpine").digest
    other = world.hosts["ci-runner"]
    result = other.pull(f"alpine@{digest}")
    assert result.lines[0] == f"{digest}: Pulling from library/alpine"
    assert other.images().rows[0][:2] == ("alpine", "<none>")


def test_host_with_a_plain_registry_list():
    reg = Registry("localhost:5000")
    host = Host("box", [reg], quiet=True)
    host.build("FROM scratch\nCOPY hello /", "localhost:5000/hello:1", context={"hello": "hi"})
    assert host.push("localhost:5000/hello:1").counts == {"pushed": 1, "exists": 0, "mounted": 0}
    assert host.events is reg.events
    with pytest.raises(RegistryUnreachable):
        host.pull("alpine")


def test_quiet_false_prints(world, capsys):
    host = world.add_host("loud")
    host.pull("hello-world")
    out = capsys.readouterr().out
    assert "Pulling from library/hello-world" in out and "Status: Downloaded newer image" in out


def test_storage_on_a_host(laptop):
    laptop.pull("python:3.11")
    laptop.pull("node:18")
    report = laptop.storage()
    assert report.dedup_ratio > 1.3 and report.physical_bytes == laptop.disk_usage()


def test_world_standard_has_the_course_setup():
    world = World.standard(quiet=True)
    assert sorted(world.registries) == ["docker.io", "localhost:5000"]
    assert sorted(world.hosts) == ["ci-runner", "laptop", "prod-server"]
    assert world["laptop"] is world.hosts["laptop"]
    with pytest.raises(ValueError):
        world.add_host("laptop")


def test_rmi_keeps_images_another_index_lists(laptop):
    laptop.build("FROM scratch\nCOPY f /", "base:1", context={"f": b"x"}, platforms=["linux/amd64", "linux/arm64"])
    laptop.build("FROM base:1\nENV A=1", "app:1", platforms=["linux/amd64", "linux/arm64"])
    laptop.tag("base:1", "alias:1")
    laptop.rmi("base:1")
    laptop.rmi("alias:1")
    assert laptop.has_image("app:1")
    assert all(layer.digest in laptop.blobs for img in laptop.image("app:1").images for layer in img.layers)
    laptop.rmi("app:1")
    assert laptop.disk_usage() == 0


def test_refused_pull_prints_nothing_and_records_no_start(world):
    hub = world.registries["docker.io"]
    hub.add_user("alice", "pw")
    alice = hub.login("alice", "pw")
    hub.create_repository("alice/secret", private=True, auth=alice)
    prod = world.hosts["prod-server"]
    mark = world.events.mark()
    with pytest.raises(Unauthorized):
        prod.pull("alice/secret:1")
    assert world.events.since(mark) == []


def test_world_adopts_a_fresh_registry_log_and_refuses_a_used_one(world):
    fresh = Registry("fresh.example.com")
    world.add_registry(fresh)
    assert fresh.events is world.events
    used = Registry("used.example.com")
    used.push_blob("a/b", b"x")
    with pytest.raises(ValueError) as info:
        world.add_registry(used)
    assert "used.example.com" in str(info.value)


def test_logout_of_the_legacy_hub_name(world, laptop):
    hub = world.registries["docker.io"]
    hub.add_user("alice", "pw")
    laptop.login("docker.io", "alice", "pw")
    assert laptop.logout("index.docker.io").lines == ("Removing login credentials for docker.io",)
    laptop.build("FROM alpine", "alice/x:1")
    with pytest.raises(Unauthorized):
        laptop.push("alice/x:1")
