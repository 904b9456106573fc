"""A damaged run folder either still reads or raises the project's named errors: never
another exception, and reading it (info included) changes none of its files."""

import hashlib
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from constrae.cli import app
from constrae.errors import ConstraeError
from constrae.io import checkpoint, run_folder

TINY = {
    "model": {"hidden_size": 8},
    "train": {"epochs": 2, "batch_size": 25},
    "data": {"source": "shapes", "n_samples": 50},
}
DAMAGEABLE = (
    "config.json",
    "model.safetensors",
    "trainer_state.safetensors",
    "metrics.jsonl",
    "summary.json",
    "fingerprint.json",
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    result = CliRunner().invoke(
        app, ["train", str(folder / "tiny.yaml"), "--out", str(folder / "run"), "--no-progress", "--no-plots"]
    )
    assert result.exit_code == 0, result.output
    return folder / "run"


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@st.composite
def damage(draw, names=DAMAGEABLE):
    """(file name, how, argument): cut at a byte, flip bytes, delete, or replace by junk."""
    name = draw(st.sampled_from(names))
    how = draw(st.sampled_from(["cut", "flip", "delete", "junk"]))
    argument = {
        "cut": st.floats(0, 1),
        "flip": st.lists(st.floats(0, 1), min_size=1, max_size=4),
        "delete": st.none(),
        "junk": st.binary(max_size=64) | st.just(b'{"model": {"hidden_size": "8"}}'),
    }[how]
    return name, how, draw(argument)


def apply(run: Path, name: str, how: str, argument) -> None:
    path = run / name
    data = bytearray(path.read_bytes())
    if how == "cut":
        path.write_bytes(bytes(data[: int(argument * len(data))]))
    elif how == "flip":
        for position in argument:
            data[min(int(position * len(data)), len(data) - 1)] ^= 0xFF
        path.write_bytes(bytes(data))
    elif how == "delete":
        path.unlink()
    else:
        path.write_bytes(argument)


def either_way(read):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", run_folder.CheckpointWarning)
            return read()
    except ConstraeError:
        return None


@given(damage())
def test_a_damaged_run_folder_reads_or_is_a_named_error_and_is_left_as_it_was(tiny_run, case):
    with tempfile.TemporaryDirectory() as scratch:
        run = Path(scratch) / "run"
        shutil.copytree(tiny_run, run)
        apply(run, *case)
        before = digests(run)
        either_way(lambda: checkpoint.load_model(run))
        either_way(lambda: run_folder.read_metrics(run))
        either_way(lambda: run_folder.load_preprocessing(run))
        either_way(lambda: checkpoint.load_trainer_state(run))
        result = CliRunner().invoke(app, ["info", str(run)])
        assert result.exit_code in (0, 2), result.output
        assert result.exit_code == 0 or result.stderr.startswith("error: "), result.output
        assert digests(run) == before
