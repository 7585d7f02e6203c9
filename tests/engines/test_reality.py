"""Model versus reality: the scenario with the simulated Host and with real docker, layer by layer."""

from __future__ import annotations

import pytest

from regsim.engines import reality
from regsim.engines.docker import DockerClient

# what docker does at each step (from a run of dockerd 20.10 against regsim serve): the model must agree
EXPECTED = {
    "push the base": {"busybox": "uploaded"},
    "push": {"busybox": "mounted", "RUN": "uploaded", "COPY": "uploaded"},
    "push again": {"busybox": "exists", "RUN": "exists", "COPY": "exists"},
    "push to a sibling": {"busybox": "mounted", "RUN": "mounted", "COPY": "mounted"},
    "pull on a clean machine": {"busybox": "downloaded", "RUN": "downloaded", "COPY": "downloaded"},
    "move a tag": {"busybox": "exists", "RUN": "exists", "COPY": "uploaded"},
    "pull the moved tag": {"busybox": "local", "RUN": "local", "COPY": "downloaded"},
}


def test_the_model_does_what_docker_does_per_layer():
    run = reality.run_model()
    assert {step: outcomes for step, outcomes in run.outcomes.items() if outcomes} == EXPECTED


def test_the_model_names_pushed_layers_by_diff_id_like_docker():
    # docker push prints a layer's diff ID (the digest of the uncompressed tar), docker pull its
    # blob digest; the model printed the blob digest in both
    run = reality.run_model()
    assert sorted(run.lines["push"]) == sorted(["<COPY>: Pushed", "<RUN>: Pushed", "<busybox>: Mounted from library/busybox",
                                         "1.0: digest: <digest> size: <size>",
                                                "The push refers to repository [REGISTRY/demo/app]"])
    assert "<busybox>: Pull complete" in run.lines["pull on a clean machine"]


def test_outcome_of_names_an_unknown_status():
    assert reality.outcome_of("Mounted from library/busybox") == "mounted"
    with pytest.raises(ValueError, match="not a final layer status of docker push or pull: 'Waiting'"):
        reality.outcome_of("Waiting")


@pytest.mark.tools
def test_model_and_docker_agree_layer_by_layer_and_line_by_line(served, docker_engine, clean_engine, base):
    with DockerClient(served, docker_engine) as laptop, DockerClient(served, clean_engine) as clean:
        real = reality.run_docker(served, laptop, clean, base)
    assert {step: outcomes for step, outcomes in real.outcomes.items() if outcomes} == EXPECTED
    # docker's claims agree with what the server saw
    assert {step: outcomes for step, outcomes in real.server.items() if outcomes} == EXPECTED
    comparison = reality.compare(reality.run_model(), real)
    assert comparison.differences == []
    assert comparison.line_differences() == {}
    assert str(comparison).endswith("19 of 19 layer outcomes agree")
    assert comparison.verdict == "19 of 19 layer outcomes agree; the printed lines agree too"


def test_run_show_and_table_are_stable():
    run = reality.run_model()
    assert run.show("push").splitlines() == [
        "The push refers to repository [REGISTRY/demo/app]", "<busybox>: Mounted from library/busybox",
        "<RUN>: Pushed", "<COPY>: Pushed", "1.0: digest: <digest> size: <size>"]
    assert run.table().splitlines()[2].split() == ["push", "mounted", "uploaded", "uploaded"]
