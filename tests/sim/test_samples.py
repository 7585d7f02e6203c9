"""The bundled sample trace is exactly what its documented generator makes."""

from regsim.data.datasets import data_path
from regsim.sim.samples import SAMPLE_FILE, generate_sample, load_sample, write_sample


def test_bundled_sample_is_reproducible(tmp_path):
    fresh = write_sample(tmp_path)
    assert fresh.read_bytes() == data_path(SAMPLE_FILE).read_bytes()


def test_sample_reads_back_as_generated():
    trace = load_sample()
    made = generate_sample()
    assert trace.keys == made.keys and trace.sizes == made.sizes
    assert trace.frame["client"].str.match(r"10\.0\.\d+\.\d+:\d+").all()
    assert set(trace.frame["method"]) == {"GET", "PUT"}
    readme = (data_path("traces") / "README.md").read_text()
    assert "generated" in readme and "write_sample" in readme
