"""to_graph: exact node and edge sets for known scenarios, attributes, filters, errors."""

from __future__ import annotations

import networkx as nx
import pytest

import regsim
from regsim.viz import node_id, nodes_of_type, subgraph, to_graph

R = "localhost:5000"


def _edges(G, kind=None):
    return {(u, v) for u, v, k in G.edges(data="kind") if kind is None or k == kind}


def test_one_image_gives_exactly_these_nodes_and_edges(small):
    G = to_graph(small.registry)
    img = small.image
    manifest = node_id("manifest", R, img.digest)
    config = node_id("config", R, img.config_blob.digest)
    base, app = node_id("layer", R, small.base.digest), node_id("layer", R, small.app.digest)
    repo, t1, tl = f"repository:{R}/team/app", f"tag:{R}/team/app:1.0", f"tag:{R}/team/app:latest"
    assert set(G) == {f"registry:{R}", repo, t1, tl, manifest, config, base, app}
    assert _edges(G) == {(f"registry:{R}", repo), (repo, t1), (repo, tl), (t1, manifest), (tl, manifest),
                         (manifest, config), (manifest, base), (manifest, app)}
    assert _edges(G, "tag") == {(t1, manifest), (tl, manifest)}
    assert _edges(G, "manifest-layer") == {(manifest, base), (manifest, app)}
    assert G.edges[manifest, base]["position"] == 0 and G.edges[manifest, app]["position"] == 1
    assert nx.is_directed_acyclic_graph(G)


def test_content_nodes_carry_digest_alias_size_type_and_counts(small):
    G = to_graph(small.registry)
    layer = G.nodes[node_id("layer", R, small.base.digest)]
    assert layer["digest"] == small.base.digest
    assert layer["short"] == small.base.digest.short and layer["short"].endswith("…")
    assert layer["size"] == small.base.size
    assert layer["media_type"] == small.base.media_type
    assert layer["refcount"] == 1 and layer["repositories"] == ("team/app",)
    manifest = G.nodes[node_id("manifest", R, small.image.digest)]
    assert manifest["refcount"] == 2  # two tags point at it
    assert manifest["tags"] == ("team/app:1.0", "team/app:latest")
    assert manifest["platform"] == "linux/amd64"  # read from the config blob
    assert manifest["size"] == len(small.image.manifest_bytes)


def test_a_shared_layer_is_one_node_with_fan_in_and_a_share_count(shared):
    reg, one, two, base = shared
    G = to_graph(reg)
    node = node_id("layer", R, base.digest)
    assert set(G.predecessors(node)) == {node_id("manifest", R, one.digest), node_id("manifest", R, two.digest)}
    assert G.nodes[node]["refcount"] == 2
    assert G.nodes[node]["repositories"] == ("team/one", "team/two")
    assert "shared ×2" in G.nodes[node]["label"]


def test_an_index_lists_its_platform_manifests_and_the_platform_filter_keeps_one(multi):
    reg, index = multi
    G = to_graph(reg)
    inode = node_id("index", R, index.digest)
    children = {node_id("manifest", R, i.digest) for i in index.images}
    assert _edges(G, "index-manifest") == {(inode, c) for c in children}
    assert {G.edges[inode, c]["platform"] for c in children} == {"linux/amd64", "linux/arm64"}
    H = to_graph(reg, platform="linux/arm64")
    assert [G.nodes[n]["platform"] for n in nodes_of_type(H, "manifest")] == ["linux/arm64"]
    assert inode in H


def test_repository_filter_takes_names_and_patterns(shared):
    reg = shared[0]
    assert {d["name"] for _, d in to_graph(reg, repositories="team/one").nodes(data=True)
            if d["type"] == "repository"} == {"team/one"}
    assert len(nodes_of_type(to_graph(reg, repositories="team/*"), "repository")) == 2
    assert nodes_of_type(to_graph(reg, repositories=[]), "repository") == []


def test_untagged_manifest_hangs_from_its_repository_with_a_dashed_edge(small):
    reg = small.registry
    other = regsim.Image.create([small.base])
    regsim.client.remote.write(reg, "team/app", other, tags=["latest"])  # latest moves: nothing else changes
    reg.delete_tag("team/app", "1.0")
    G = to_graph(reg)
    old = node_id("manifest", R, small.image.digest)
    assert _edges(G, "untagged") == {(f"repository:{R}/team/app", old)}
    assert G.nodes[old]["refcount"] == 0


def test_deleted_manifest_bytes_and_unreferenced_blobs_stay_visible_until_gc(small):
    reg = small.registry
    reg.delete_manifest("team/app", small.image.digest)
    G = to_graph(reg)
    orphan = node_id("manifest", R, small.image.digest)
    assert (f"registry:{R}", orphan) in _edges(G, "link")
    assert "bytes stay until gc" in G.nodes[orphan]["label"]
    links = {v for u, v in _edges(G, "link") if u == f"repository:{R}/team/app"}
    assert node_id("layer", R, small.base.digest) in links
    reg.garbage_collect()
    assert set(to_graph(reg)) == {f"registry:{R}", f"repository:{R}/team/app"}


def test_host_graph_has_local_repositories_tags_images_and_layers(teaching):
    G = to_graph(teaching.laptop)
    assert G.graph["owners"] == ["host:laptop"]
    repos = {G.nodes[n]["label"] for n in nodes_of_type(G, "repository")}
    assert repos == {"localhost:5000/base", "localhost:5000/myapp"}
    app = teaching.laptop.image("localhost:5000/myapp:1.0")
    mnode = node_id("manifest", "laptop", app.digest)
    assert G.nodes[mnode]["image_id"] == app.id
    assert {v for v in G.successors(mnode)} == {node_id("config", "laptop", app.id),
                                                *(node_id("layer", "laptop", l.digest) for l in app.layers)}
    shared_layer = node_id("layer", "laptop", app.layers[0].digest)
    assert G.nodes[shared_layer]["refcount"] == 2  # base and myapp share their first layer


def test_a_world_is_all_its_registries_then_all_its_hosts(teaching):
    G = to_graph(teaching.world)
    assert G.graph["owners"] == ["registry:localhost:5000", "host:laptop", "host:prod-server"]
    assert to_graph(teaching.registry, teaching.registry).number_of_nodes() == \
        to_graph(teaching.registry).number_of_nodes()


def test_the_same_scenario_gives_the_same_graph_in_the_same_order(make_teaching):
    a, b = to_graph(make_teaching().world), to_graph(make_teaching().world)
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(data=True)) == list(b.edges(data=True))


def test_subgraph_keeps_the_node_order_and_attributes(teaching):
    G = to_graph(teaching.world)
    H = subgraph(G, owners=["laptop"], repositories="localhost:5000/myapp")
    assert list(H) == [n for n in G if n in H]
    assert H.graph["owners"] == ["host:laptop"]
    assert {H.nodes[n]["label"] for n in nodes_of_type(H, "repository")} == {"localhost:5000/myapp"}
    assert all(H.nodes[n] == G.nodes[n] for n in H)


def test_the_official_hub_graph_has_every_repository_and_manifest():
    hub = regsim.World.standard(quiet=True).registries["docker.io"]
    G = to_graph(hub)
    assert len(nodes_of_type(G, "repository")) == 16
    assert len(nodes_of_type(G, "index")) == 26
    assert len(nodes_of_type(G, "manifest")) == 52
    assert len(nodes_of_type(G, "tag")) == sum(len(r.tags) for r in hub.repositories.values())


def test_repository_labels_say_public_or_private_where_that_decides_who_may_pull(small):
    hub = regsim.Registry.hub()
    hub.add_user("alice", "alice-pw")
    alice = hub.login("alice", "alice-pw")
    hub.create_repository("alice/secret", private=True, auth=alice)
    hub.create_repository("alice/notes", auth=alice)
    G = to_graph(hub)
    labels = {G.nodes[n]["name"]: G.nodes[n]["label"] for n in nodes_of_type(G, "repository")}
    assert labels == {"alice/notes": "alice/notes · public", "alice/secret": "alice/secret · private"}
    assert nodes_of_type(subgraph(G, repositories="alice/secret"), "repository") == [
        node_id("repository", "docker.io", "alice/secret")]
    # an open registry:2 lets anyone pull, one with htpasswd asks everyone to log in: names only
    company = regsim.Registry.private("registry.example.com", users={"deploy": "deploy-pw"})
    company.create_repository("team/notes", auth=company.login("deploy", "deploy-pw"))
    for reg, name in ((small.registry, "team/app"), (company, "team/notes")):
        H = to_graph(reg)
        assert [H.nodes[n]["label"] for n in nodes_of_type(H, "repository")] == [name]


@pytest.mark.parametrize("bad", [42, "docker.io", None])
def test_bad_sources_are_refused_with_their_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        to_graph(bad)


def test_a_host_and_a_registry_with_one_name_cannot_share_a_graph():
    reg = regsim.Registry("laptop")
    host = regsim.Host("laptop", [reg], quiet=True)
    with pytest.raises(ValueError, match="'laptop'"):
        to_graph(reg, host)


def test_node_id_rejects_unknown_types():
    with pytest.raises(ValueError, match="'blob'"):
        node_id("blob", R, "x")


def test_subgraph_names_an_unknown_owner(teaching):
    with pytest.raises(KeyError, match="'laptob'"):
        subgraph(to_graph(teaching.world), owners=["laptob"])


def test_subgraph_can_keep_only_some_tags():
    hub = regsim.World.standard(quiet=True).registries["docker.io"]
    G = to_graph(hub, repositories="library/python")
    H = subgraph(G, tags="library/python:3.11")
    assert [H.nodes[n]["tag"] for n in nodes_of_type(H, "tag")] == ["3.11"]
    assert len(nodes_of_type(H, "index")) == 1 and len(nodes_of_type(H, "manifest")) == 2
    assert nodes_of_type(subgraph(G, tags="python:3.11"), "tag") == nodes_of_type(H, "tag")  # familiar name
    assert len(nodes_of_type(subgraph(G, tags="library/python:3.11*"), "tag")) == 12  # 3.11, 3.11-slim...
