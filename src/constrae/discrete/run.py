"""``constrae discretize``: phase 2 on a phase-1 run folder, written as a new run folder.

The new folder is a normal run (config.json, model.safetensors, metrics.jsonl,
summary.json, preprocessing.json when the source has one) plus discretize.json; it
is written under a temporary name and renamed, so it appears whole or not at all.
Phase 2 keeps no trainer state: an interrupted ``discretize`` is simply run again.
"""

import json
from pathlib import Path

from constrae.core.config import read_yaml_mapping
from constrae.data.loading import load_training_data
from constrae.discrete.phase2 import Phase2Config, discretize, phase2_record
from constrae.errors import CheckpointError
from constrae.io import checkpoint, run_folder
from constrae.io.atomic import atomic_write_text, new_folder
from constrae.io.run import write_summary

PHASE2_FILE = "discretize.json"


def load_phase2_config(path: Path | None) -> Phase2Config:
    if path is None:
        return Phase2Config()
    return Phase2Config.from_mapping(read_yaml_mapping(path), where=str(path))


def discretize_run(run_dir: str | Path, out: str | Path, phase2: Phase2Config) -> dict:
    """Phase 2 on the model in ``run_dir``; the binary run goes to the new folder ``out``."""
    run_dir, out = Path(run_dir), Path(out)
    if out.exists():
        raise CheckpointError(f"{out} already exists; phase 2 writes a new run folder")
    model, config = checkpoint.load_model(run_dir)
    preprocessing = None if config.data.subjects else run_folder.load_preprocessing(run_dir)
    data = load_training_data(config.data, preprocessing)
    X, segment_starts = data.X, data.segment_starts
    result = discretize(model, config, X, phase2, segment_starts)
    with new_folder(out) as staging:
        checkpoint.save_model(staging, result.config, result.model)
        run_folder.write_metrics(staging, result.history)
        if preprocessing is not None:
            run_folder.save_preprocessing(staging, preprocessing)
        if data.population is not None:
            run_folder.save_population(staging, config.data.subjects or [], data.population)
        atomic_write_text(staging / PHASE2_FILE, json.dumps(phase2_record(phase2, str(run_dir)), indent=2))
        summary = write_summary(staging, result.model, X)
    return summary
