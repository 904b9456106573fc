"""A training run in a folder: start, resume, summarise, draw. The CLI calls these."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from constrae.core.build import build
from constrae.core.config import RunConfig
from constrae.core.metrics import code_metrics
from constrae.core.model import Autoencoder
from constrae.core.trainer import Trainer
from constrae.data import Preprocessing
from constrae.data.loading import load_training_data
from constrae.errors import CheckpointError, ConfigError, OutputError
from constrae.io import checkpoint, run_folder
from constrae.io.atomic import atomic_write_text, check_output_file
from constrae.io.teacher import hand_over, load_teachers, teachers_preprocessing

SUMMARY_FILE = run_folder.SUMMARY_FILE
FIGURES_DIR = "figures"


def with_input_size(config: RunConfig, X: np.ndarray, preprocessing: Preprocessing | None = None) -> RunConfig:
    """``config`` with model.input_size taken from the data (checked if given), and an encoder's
    channel count checked against the recordings' when the inputs are their raw windows."""
    n_features = X.shape[1]
    if config.model.input_size not in (None, n_features):
        raise ConfigError(
            f"model.input_size: config says {config.model.input_size}, the data has {n_features} features"
        )
    channels = config.model.encoder_params.get("channels")
    if preprocessing is not None and preprocessing.config.representation == "raw" and channels is not None:
        if channels != len(preprocessing.channels):
            raise ConfigError(
                f"model.encoder_params.channels: {channels}, but the recordings give "
                f"{len(preprocessing.channels)} channels of {preprocessing.window} samples per window"
            )
    return replace(config, model=replace(config.model, input_size=n_features))


def labels_tensor(labels: np.ndarray | None) -> torch.Tensor | None:
    return None if labels is None else torch.from_numpy(labels)


def check_new_run_folder(run_dir: Path) -> None:
    """OutputError unless ``run_dir`` is missing or an empty folder: training never writes
    over a run (resume it) or over files that are not constrae's."""
    if (run_dir / run_folder.CONFIG_FILE).exists():
        raise CheckpointError(f"{run_dir} already holds a run; resume it with `constrae resume {run_dir}`")
    if run_dir.exists() and not run_dir.is_dir():
        raise OutputError(f"--out {run_dir} is a file; give a new folder for the run")
    if run_dir.is_dir() and any(run_dir.iterdir()):
        raise OutputError(f"--out {run_dir} is a folder with other files in it; give a new or empty folder")
    check_output_file(run_dir / run_folder.CONFIG_FILE)


def start_run(config: RunConfig, run_dir: str | Path, progress: bool = True) -> dict:
    """Validate everything, then train into a new ``run_dir``; returns the summary."""
    run_dir = Path(run_dir)
    check_new_run_folder(run_dir)
    teachers = load_teachers(config)
    X, preprocessing, segment_starts, labels, population = load_training_data(
        config.data, teachers_preprocessing(teachers)
    )
    config = with_input_size(config, X, preprocessing or (population[0] if population else None))
    model, objective = build(config)
    hand_over(teachers, objective, model)
    trainer = Trainer(model, objective, config, run_dir=run_dir, progress=progress)
    checkpoint.save_fingerprint(run_dir, config)
    if preprocessing is not None:
        run_folder.save_preprocessing(run_dir, preprocessing)
    if population is not None:
        run_folder.save_population(run_dir, config.data.subjects or [], population)
    trainer.fit(
        torch.from_numpy(X), segment_starts=segment_starts, y_B=None if labels is None else torch.from_numpy(labels)
    )
    return write_summary(run_dir, model, X)


def resume_run(run_dir: str | Path, progress: bool = True) -> dict:
    """Continue an interrupted run from its last completed epoch."""
    run_dir = Path(run_dir)
    config = checkpoint.load_config_json(run_dir)
    checkpoint.check_run_inputs(run_dir, config)
    # A population run refits each person's alignment: deterministic, and its data is fingerprinted.
    stored = None if config.data.subjects else run_folder.load_preprocessing(run_dir)
    X, _, segment_starts, labels, _ = load_training_data(config.data, stored)
    if X.shape[1] != config.model.input_size:
        raise CheckpointError(
            f"{run_dir}: the data now has {X.shape[1]} features, the run's model takes {config.model.input_size}"
        )
    model, objective = build(config)
    hand_over(load_teachers(config), objective, model)
    trainer = Trainer(model, objective, config, run_dir=run_dir, progress=progress)
    trainer.fit(
        torch.from_numpy(X),
        resume=True,
        segment_starts=segment_starts,
        y_B=None if labels is None else torch.from_numpy(labels),
    )
    return write_summary(run_dir, model, X)


@torch.no_grad()
def write_summary(run_dir: Path, model: Autoencoder, X: np.ndarray) -> dict:
    """Metrics of the final model on all the run's data, kept in summary.json."""
    model.eval()
    x_BN = torch.from_numpy(X)
    output = model(x_BN)
    metrics = code_metrics(
        model.reconstruction_target(x_BN), output.reconstruction_BN, output.codes_BH, model.activation.active_threshold
    )
    history = run_folder.read_metrics(run_dir)
    summary = {
        "epochs": len(history),
        "samples": len(X),
        **metrics.summary(),
        "rho_hat": metrics.rho_hat_H.tolist(),
    }
    atomic_write_text(run_dir / SUMMARY_FILE, json.dumps(summary, indent=2))
    return summary


def eeg_figures(run_dir: Path, model: Autoencoder, figures_dir: Path) -> list[Path]:
    """For a model reading raw EEG windows: its spatial filters (or, without a spatial projection,
    the first units' channel weights) as scalp maps, and its temporal filters' frequency responses."""
    from constrae.plots import autoencoder as plots
    from constrae.plots import eeg

    population = run_folder.load_population(run_dir)
    preprocessing = population[0] if population else run_folder.load_preprocessing(run_dir)
    if preprocessing is None or preprocessing.config.representation != "raw":
        return []
    encoder, channels = model.encoder, preprocessing.channels
    spatial = getattr(encoder, "spatial", None)
    if spatial is not None:
        filters_VC, title = spatial.weight.detach().numpy(), "spatial filters (virtual channels)"
    else:
        affine_HN = encoder.affine_weight_HN()
        if affine_HN is None:
            return []
        W_HN = affine_HN.detach().numpy()[: eeg.TOPOMAP_UNITS]
        filters_VC, title = eeg.unit_channel_weights(W_HN, len(channels)), "code units: RMS weight per channel"
    written = []
    maps = eeg.topomaps(filters_VC, channels, preprocessing.sfreq, title)
    if maps is not None:
        written.append(plots.save_figure(maps, figures_dir / "spatial_topomaps.png"))
    temporal = getattr(encoder, "temporal", None)
    if temporal is not None:
        kernels_FK = temporal.weight.detach().numpy()[:, 0, :]
        responses = eeg.frequency_responses(kernels_FK, preprocessing.sfreq, len(kernels_FK) // len(filters_VC))
        written.append(plots.save_figure(responses, figures_dir / "temporal_responses.png"))
    return written


def write_figures(run_dir: str | Path) -> list[Path]:
    """Weight grid, rho_hat histogram and loss curves as PNGs in run_dir/figures; for raw-EEG
    models also scalp maps of the spatial filters and frequency responses of the temporal ones."""
    from constrae.plots import autoencoder as plots

    run_dir = Path(run_dir)
    model, config = checkpoint.load_model(run_dir)
    figures_dir = run_dir / FIGURES_DIR
    written = [plots.save_figure(plots.loss_curves(run_folder.read_metrics(run_dir)), figures_dir / "loss_curves.png")]
    W_enc_HN = model.encoder.affine_weight_HN()
    if W_enc_HN is not None:
        grid = plots.weight_grid(
            W_enc_HN.detach().numpy(), model.encoder.input_image_shape(), title="encoder weights per hidden unit"
        )
        written.insert(0, plots.save_figure(grid, figures_dir / "weights.png"))
    written += eeg_figures(run_dir, model, figures_dir)
    summary_path = run_dir / SUMMARY_FILE
    if summary_path.is_file():
        rho_hat_H = np.array(json.loads(summary_path.read_text())["rho_hat"])
        targets = [spec["rho"] for spec in config.constraints if "rho" in spec]
        histogram = plots.rho_hat_histogram(rho_hat_H, target_rho=targets[0] if targets else None)
        written.append(plots.save_figure(histogram, figures_dir / "rho_hat.png"))
    return written
