"""The fast paths for Docker-Hub-scale catalogues give exactly what the validated paths give.

(Speed itself is measured by ``benchmarks/core.py``, not by tests.)
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect

import pytest

from regsim import Registry
from regsim import events as ev
from regsim.data.generate import placeholder_catalog
from regsim.oci.descriptor import EMPTY_ANNOTATIONS, Descriptor
from regsim.oci.digest import Digest
from regsim.oci.manifest import Manifest

DIGEST = Digest("sha256:" + "ab" * 32)
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def test_trusted_descriptor_equals_the_validated_one():
    fast, checked = Descriptor._trusted(LAYER, DIGEST, 42), Descriptor(LAYER, DIGEST, 42)
    assert fast == checked and hash(fast) == hash(checked) and repr(fast) == repr(checked)
    assert fast.to_dict() == checked.to_dict()
    assert fast.annotations is EMPTY_ANNOTATIONS and fast.platform is None and fast.urls == () and fast.data is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.size = 1  # type: ignore[misc]


def test_manifest_bytes_of_trusted_descriptors_are_canonical():
    from regsim.oci.manifest import canonical_json

    config = Descriptor._trusted("application/vnd.oci.image.config.v1+json", DIGEST, 2)
    m = Manifest(config=config, layers=(Descriptor._trusted(LAYER, DIGEST, 3), Descriptor(LAYER, DIGEST, 4)))
    assert m.to_bytes() == canonical_json(m.to_dict())
    annotated = Manifest(config=config, layers=(Descriptor(LAYER, DIGEST, 3, annotations={"a": "b"}),))
    assert annotated.to_bytes() == canonical_json(annotated.to_dict())


EVENT_CLASSES = sorted({cls for cls in vars(ev).values() if isinstance(cls, type) and issubclass(cls, ev.Event)},
                       key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda c: c.__name__)
def test_event_constructors_keep_the_dataclass_signature(cls):
    """Events get a faster ``__init__`` (slots set directly): same keyword-only fields and defaults."""
    params = inspect.signature(cls).parameters
    fields = dataclasses.fields(cls)
    assert list(params) == [f.name for f in fields]
    for f in fields:
        p = params[f.name]
        assert p.kind is inspect.Parameter.KEYWORD_ONLY
        assert p.default == (inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default)


def test_a_fast_event_is_a_frozen_dataclass_like_before():
    e = ev.BlobUploaded(registry="r", repository="a/b", digest=DIGEST, size=5)
    assert (e.seq, e.deduplicated, e.placeholder) == (-1, False, False)
    assert e == dataclasses.replace(e) and e.to_dict()["size"] == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.size = 6  # type: ignore[misc]
    with pytest.raises(TypeError, match="repository"):
        ev.BlobUploaded(registry="r", digest=DIGEST, size=5)  # type: ignore[call-arg]
    log = ev.EventLog()
    assert log.append(e).seq == 0 and log.append(dataclasses.replace(e, seq=-1)).seq == 1


def test_the_catalogue_is_the_same_as_before_the_fast_paths():
    """Digests, sizes and tags of a seeded catalogue, as the validated constructors made them."""
    reg = Registry("hub.test")
    stats = placeholder_catalog(reg, repositories=300, layers=1200, stale=0.2, seed=5)
    assert (stats.manifests, stats.tags, stats.distinct_layers, stats.layer_links) == (657, 799, 1200, 2695)
    h = hashlib.sha256()
    for name, repo in sorted(reg.repositories.items()):
        for tag, digest in sorted(repo.tags.items()):
            h.update(f"{name}:{tag}={digest}\n".encode())
        for digest in sorted(repo.manifests):
            h.update(f"{name}@{digest}\n".encode())
    assert h.hexdigest() == GOLDEN


GOLDEN = "8ad66edf2affb8a3e96ec8b1e653716cf334ab6da8d741b27fa4e295253b4e03"  # computed with the validated paths (main before issue 12b)


def test_derived_placeholder_is_for_key():
    from regsim.oci.blob import Placeholder

    fast, checked = Placeholder._derived("catalogue-layer-7", 99), Placeholder.for_key("catalogue-layer-7", 99)
    assert fast == checked and (fast.digest, fast.size) == (checked.digest, checked.size)
    assert type(fast.digest) is Digest


def test_the_catalogue_pauses_the_cyclic_collector_and_restores_it():
    import gc

    seen = []
    reg = Registry("hub.test")
    reg.events.subscribe(lambda event: seen.append(gc.isenabled()))
    assert gc.isenabled()
    placeholder_catalog(reg, repositories=3, layers=9, seed=1)
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        placeholder_catalog(Registry("hub.test"), repositories=3, layers=9, seed=1)
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()


def test_push_image_numbers_events_in_order_even_when_a_subscriber_appends():
    from regsim import EventLog
    from regsim.oci.blob import Placeholder

    log = EventLog()
    reg = Registry("hub.test", events=log)
    noted = []

    def note(event):
        if isinstance(event, ev.BlobUploaded) and not noted:
            noted.append(log.append(ev.UserLoggedIn(registry="elsewhere", user="x")))

    log.subscribe(note)
    blobs = [Placeholder.for_key(f"layer-{i}", 10 + i) for i in range(3)]
    config = Placeholder.for_key("config", 5)
    manifest = Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", config.digest, 5),
                        layers=tuple(Descriptor(LAYER, b.digest, b.size) for b in blobs))
    reg.push_image("team/app", manifest, [*blobs, config], tags=["1.0"])
    assert [e.seq for e in log] == list(range(len(log)))
    assert len(log.of(ev.BlobUploaded)) == 4 and noted


def test_a_big_catalogue_is_frozen_out_of_the_collectors_sight(monkeypatch):
    import gc

    from regsim.data import generate

    gc.unfreeze()
    placeholder_catalog(Registry("hub.test"), repositories=3, layers=9, seed=1)
    assert gc.get_freeze_count() == 0  # small: nothing frozen
    monkeypatch.setattr(generate, "FREEZE_FROM_LAYERS", 9)
    try:
        reg = Registry("hub.test")
        placeholder_catalog(reg, repositories=3, layers=9, seed=1)
        assert gc.get_freeze_count() > 0 and gc.isenabled()
        assert len(reg.repositories) == 3
    finally:
        gc.unfreeze()
