"""Small versions of the reproductions in benchmarks/: the pipelines run and learn.

The full runs, and the tables they print, are in docs/deep.md."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_seed_001_experiment_small_version_learns_and_fine_tuning_helps(tmp_path):
    ((rho, mean_activation, _, frozen, tuned, _),) = load_script("stacked_shapes").run(
        quick=True, out=tmp_path, rhos=(0.05,)
    )
    assert abs(float(mean_activation) - 0.05) < 0.02
    frozen, tuned = float(frozen.rstrip("%")), float(tuned.rstrip("%"))
    assert tuned > 40 and tuned > frozen  # chance is 25 %
    assert (tmp_path / "rho_0.05" / "weights_layer_1.png").is_file()


@pytest.mark.slow
def test_mnist_stack_small_version_learns_and_fine_tuning_helps(shared_data):
    (frozen, tuned, _) = load_script("stacked_mnist").run(quick=True)
    frozen, tuned = float(frozen[1].rstrip("%")), float(tuned[1].rstrip("%"))
    assert tuned > 70 and tuned > frozen  # chance is 10 %


@pytest.mark.slow
def test_linear_probe_small_version_drsae_codes_are_sparse_and_beat_pixels(shared_data):
    raw, drsae, head = load_script("mnist_linear_probe").run(quick=True, only=("DrSAE (T=5)",))
    assert raw[0].startswith("raw pixels") and drsae[0] == "DrSAE (T=5)"
    assert float(drsae[2]) < 400 / 2  # L0: at most half the units active per image
    assert float(drsae[3].rstrip("%")) < float(raw[3].rstrip("%"))
    assert float(head[3].rstrip("%")) < 90  # its own head: chance is 90 % error
