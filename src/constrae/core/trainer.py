"""The training loop: mini-batch Adam/SGD or full-batch L-BFGS, one epoch at a time.

It sums the objective's named terms, logs each by name, checkpoints every epoch
and never asks which constraints are in use.
"""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import torch
from tqdm.auto import tqdm

from constrae.constraints import TrainingRows
from constrae.core.config import RunConfig
from constrae.core.labels import check_labels
from constrae.core.metrics import code_metrics
from constrae.core.model import Autoencoder
from constrae.core.objective import Objective
from constrae.errors import CheckpointError, ConstraeError
from constrae.io import checkpoint, run_folder


class TrainingDiverged(ConstraeError):
    """The loss became NaN or infinite."""


def split_indices(n_samples: int, val_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded (train, validation) index split."""
    order = torch.randperm(n_samples, generator=torch.Generator().manual_seed(seed))
    n_val = int(round(n_samples * val_fraction))
    return order[n_val:], order[:n_val]


def monitored_loss(record: dict[str, float]) -> float:
    """The loss early stopping watches: validation when there is a validation split."""
    return record.get("val/loss", record["train/loss"])


class OptimizerSettings(Protocol):
    """What choosing an optimiser reads: a run's TrainConfig, or a stack stage's."""

    @property
    def optimizer(self) -> str: ...
    @property
    def lr(self) -> float: ...
    @property
    def momentum(self) -> float: ...
    @property
    def lbfgs_iterations(self) -> int: ...


def make_optimizer(params, config: OptimizerSettings) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum)
    return torch.optim.LBFGS(params, lr=config.lr, max_iter=config.lbfgs_iterations, line_search_fn="strong_wolfe")


class Trainer:
    """Trains ``model`` on ``objective``; with ``run_dir`` it checkpoints every epoch."""

    def __init__(
        self,
        model: Autoencoder,
        objective: Objective,
        run_config: RunConfig,
        run_dir: str | Path | None = None,
        progress: bool = True,
        on_epoch: Callable[[dict[str, float]], None] | None = None,
    ) -> None:
        self.model = model
        self.objective = objective
        self.run_config = run_config
        self.config = run_config.train
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.progress = progress
        self.on_epoch = on_epoch
        """Called with each epoch's record once it is saved; it may raise to stop training
        (the hyper-parameter search raises optuna.TrialPruned from it)."""
        self.optimizer = make_optimizer(list(model.parameters()) + list(objective.parameters()), self.config)
        self.shuffle_rng = torch.Generator().manual_seed(self.config.seed)
        self.state: dict[str, Any] = {"epoch": 0, "best": None, "bad_epochs": 0, "stopped": False, "history": []}

    def fit(
        self,
        X_BN: torch.Tensor,
        resume: bool = False,
        y_B: torch.Tensor | None = None,
        segment_starts: list[int] | None = None,
    ) -> list[dict[str, float]]:
        """Train on ``X_BN`` (b samples, n features); returns the per-epoch log.

        ``y_B`` holds class indices (int64, one per row) for discriminative constraints,
        ``UNLABELLED`` (-1) where a row has none; it is split and shuffled with the rows and
        changes nothing else.
        ``segment_starts`` gives the first row of each recording when the rows are
        windows of several recordings in time order (constraints over the sample
        sequence, such as visibility graphs, must not link across them).
        """
        y_B = check_labels(y_B, len(X_BN), self.objective.needs_labels)
        train_idx, val_idx = split_indices(len(X_BN), self.config.val_fraction, self.config.seed)
        self.objective.observe_training_rows(TrainingRows(X_BN, train_idx, segment_starts or [0]))
        X_train, X_val = X_BN[train_idx], X_BN[val_idx]
        y_train, y_val = (None, None) if y_B is None else (y_B[train_idx], y_B[val_idx])
        if resume:
            self.restore()
        else:
            # Corruption noise draws from the global generator; resume restores its state.
            torch.manual_seed(self.config.seed)
            self.model.encoder.initialise_from(X_train, y_train)
        epochs = range(self.state["epoch"], self.config.epochs)
        bar = tqdm(epochs, desc="training", unit="epoch", disable=not self.progress, leave=False)
        for epoch in bar:
            if self.state["stopped"]:
                break
            started = time.perf_counter()
            self.model.on_epoch_start(epoch)
            self.objective.on_epoch_start(epoch)
            record = {"epoch": epoch, **self.train_epoch(X_train, y_train)}
            if len(X_val):
                record.update(self.evaluate(X_val, prefix="val/", y_B=y_val))
            record["seconds"] = time.perf_counter() - started
            self.update_state(record)
            bar.set_postfix(loss=f"{monitored_loss(record):.4g}")
            if self.run_dir is not None:
                self.save()
            if self.on_epoch is not None:
                self.on_epoch(record)
        bar.close()
        self.model.eval()
        return self.state["history"]

    def train_epoch(self, X_train: torch.Tensor, y_train: torch.Tensor | None = None) -> dict[str, float]:
        self.model.train()
        self.objective.train()
        if self.config.optimizer == "lbfgs":
            totals, seen = self.lbfgs_step(X_train, y_train), len(X_train)
        else:
            totals, seen = self.minibatch_pass(X_train, y_train)
        names = ["loss", *self.objective.term_names]
        values = (totals / seen).tolist()
        if not torch.isfinite(totals).all():
            bad = [name for name, value in zip(names, values) if value != value or abs(value) == float("inf")]
            raise TrainingDiverged(
                f"epoch {self.state['epoch']}: training loss is not finite (terms {bad}); "
                f"lower train.lr (now {self.config.lr}) or check the data"
            )
        return {f"train/{name}": value for name, value in zip(names, values)}

    def minibatch_pass(self, X_train: torch.Tensor, y_train: torch.Tensor | None) -> tuple[torch.Tensor, int]:
        order = torch.randperm(len(X_train), generator=self.shuffle_rng)
        totals = torch.zeros(1 + len(self.objective.term_names))
        for batch_idx in order.split(self.config.batch_size):
            x_BN = X_train[batch_idx]
            y_B = None if y_train is None else y_train[batch_idx]
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.objective(self.model, x_BN, y_B=y_B)
            loss.total.backward()
            self.optimizer.step()
            self.objective.after_step(self.model)
            totals += torch.stack([loss.total, *loss.terms.values()]).detach() * len(x_BN)
        return totals, len(X_train)

    def lbfgs_step(self, X_train: torch.Tensor, y_train: torch.Tensor | None) -> torch.Tensor:
        last = {}

        def closure() -> torch.Tensor:
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.objective(self.model, X_train, y_B=y_train)
            loss.total.backward()
            last["totals"] = torch.stack([loss.total, *loss.terms.values()]).detach()
            return loss.total

        # torch's stub types the closure as returning float; L-BFGS takes the loss tensor (its documented use).
        self.optimizer.step(closure)  # type: ignore[arg-type]
        self.objective.after_step(self.model)
        return last["totals"] * len(X_train)

    @torch.no_grad()
    def evaluate(self, X_BN: torch.Tensor, prefix: str, y_B: torch.Tensor | None = None) -> dict[str, float]:
        """Loss terms on clean input and code metrics, without touching training state."""
        was_training = self.model.training
        self.model.eval()
        self.objective.eval()
        loss = self.objective(self.model, X_BN, corrupt=False, y_B=y_B)
        metrics = code_metrics(
            self.model.reconstruction_target(X_BN),
            loss.output.reconstruction_BN,
            loss.output.codes_BH,
            self.model.activation.active_threshold,
        )
        self.model.train(was_training)
        self.objective.train(was_training)
        record = {
            "loss": float(loss.total),
            **{k: float(v) for k, v in loss.terms.items()},
            **metrics.summary(),
            **self.objective.constraint_metrics(self.model, loss.output),
        }
        return {prefix + k: v for k, v in record.items()}

    def update_state(self, record: dict[str, float]) -> None:
        """Advance the epoch counter and the early-stopping bookkeeping."""
        monitored = monitored_loss(record)
        state = self.state
        state["history"].append(record)
        state["epoch"] = record["epoch"] + 1
        if state["best"] is None or monitored < state["best"]:
            state["best"], state["bad_epochs"] = monitored, 0
        else:
            state["bad_epochs"] += 1
        patience = self.config.patience
        state["stopped"] = patience is not None and state["bad_epochs"] >= patience

    @property
    def folder(self) -> Path:
        """The run folder; only a trainer given one saves and restores."""
        if self.run_dir is None:
            raise CheckpointError("this trainer has no run folder to save to or resume from")
        return self.run_dir

    def save(self) -> None:
        """Trainer state first: it alone is enough to resume; the rest derive from it."""
        checkpoint.save_trainer_state(
            self.folder,
            {
                "model": self.model.state_dict(),
                "objective": self.objective.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "rng": {"torch": torch.get_rng_state(), "shuffle": self.shuffle_rng.get_state()},
                "progress": self.state,
            },
        )
        checkpoint.save_model(self.folder, self.run_config, self.model)
        run_folder.write_metrics(self.folder, self.state["history"])

    def restore(self) -> None:
        run_folder.remove_stale_temp_files(self.folder)
        trees = checkpoint.load_trainer_state(self.folder)
        path = self.folder / run_folder.TRAINER_STATE_FILE
        checkpoint.load_state_dict(self.model, trees["model"], path)
        checkpoint.load_state_dict(self.objective, trees["objective"], path)
        self.optimizer.load_state_dict(trees["optimizer"])
        torch.set_rng_state(trees["rng"]["torch"])
        self.shuffle_rng.set_state(trees["rng"]["shuffle"])
        self.state = trees["progress"]
        checkpoint.save_model(self.folder, self.run_config, self.model)
        run_folder.write_metrics(self.folder, self.state["history"])
