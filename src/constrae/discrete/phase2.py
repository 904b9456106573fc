"""Phase 2 on a trained (phase 1) model: discretisation training, then fine-tuning on bits.

Discretisation training swaps the code activation for ``binary`` units with the same
weights and trains ``anneal_epochs`` epochs while the training codes move from
sigmoid(a / T) to b(a) (``constrae.discrete.binary``). Fine-tuning then trains
``finetune_epochs`` more epochs on the binary codes alone: the decoder, and the
encoder too when ``finetune_encoder`` is set. Both stages use Adam on mini-batches.
"""

import dataclasses
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple

import torch

from constrae.core.build import build
from constrae.core.config import RunConfig, TrainConfig
from constrae.core.model import Autoencoder
from constrae.core.trainer import Trainer
from constrae.errors import CheckpointError
from constrae.io.mappings import from_dict, require


@dataclass
class Phase2Config:
    """How ``constrae discretize`` turns a phase-1 model into a binary one."""

    surrogate: Literal["identity", "sigmoid"] = "sigmoid"
    """Straight-through gradient of the step: identity (db/da := 1) or the sigmoid's ds/da."""
    temperature: float = 1.0
    """T of the sigmoid surrogate and of the continuous code sigmoid(a / T) the schedule starts from."""
    sign: bool = False
    """Codes in {-1, +1} instead of {0, 1}."""
    learn_threshold: bool = False
    """Learn a threshold theta per unit (b(a - theta)); otherwise theta = 0."""
    anneal_epochs: int = 10
    """Discretisation training: epochs over which the training code goes from continuous to binary."""
    finetune_epochs: int = 10
    """Fine-tuning epochs on the binary codes (0 skips it)."""
    finetune_encoder: bool = False
    """Fine-tune the encoder (and threshold) as well as the decoder."""
    train_encoder_weights: bool = True
    """False keeps the encoder's weight matrices as in phase 1 in both stages (its biases and
    the thresholds still train): constraints then act through per-unit offsets, which carry
    over to new inputs instead of being fitted to the training rows."""
    lr: float = 1e-3
    """Adam learning rate of both stages."""
    batch_size: int = 128
    """Mini-batch size of both stages."""
    seed: int = 0
    """Seeds shuffling and any corruption noise of both stages."""
    constraints: list[dict] | None = None
    """Constraints of phase 2 (e.g. logic rules, a visibility graph); null keeps phase 1's."""
    val_fraction: float | None = None
    """Validation split of both stages (seeded by ``seed``); null keeps phase 1's."""

    def __post_init__(self) -> None:
        require(self.anneal_epochs >= 0, "anneal_epochs", f"must be >= 0, got {self.anneal_epochs}")
        require(self.finetune_epochs >= 0, "finetune_epochs", f"must be >= 0, got {self.finetune_epochs}")
        require(
            self.anneal_epochs + self.finetune_epochs >= 1,
            "finetune_epochs",
            "anneal_epochs + finetune_epochs must be >= 1",
        )
        require(self.temperature > 0, "temperature", f"must be > 0, got {self.temperature}")
        require(self.lr > 0, "lr", f"must be > 0, got {self.lr}")
        require(self.batch_size >= 1, "batch_size", f"must be >= 1, got {self.batch_size}")
        require(
            self.val_fraction is None or 0 <= self.val_fraction < 1,
            "val_fraction",
            f"must be in [0, 1), got {self.val_fraction}",
        )
        if self.constraints is not None:
            from constrae.constraints import build_constraints

            # Checked now and stored in canonical form, as RunConfig does.
            self.constraints = [c.to_config() for c in build_constraints(self.constraints)]

    @classmethod
    def from_mapping(cls, mapping, where: str = "phase 2 config") -> "Phase2Config":
        return from_dict(cls, mapping, where)


class Phase2Result(NamedTuple):
    """A binary model and how it got there."""

    model: Autoencoder
    """The fine-tuned model with binary units, in eval mode."""
    config: RunConfig
    """Its run config: activation binary (no schedule left), Adam with the epochs of both stages."""
    history: list[dict[str, float]]
    """Per-epoch log of both stages; ``phase2_stage`` is 1 (discretisation) or 2 (fine-tuning)."""


def stage_config(phase1: RunConfig, phase2: Phase2Config, anneal_epochs: int, epochs: int) -> RunConfig:
    """The RunConfig of one phase-2 stage: phase 1's model with binary units."""
    params = {
        "surrogate": phase2.surrogate,
        "temperature": phase2.temperature,
        "sign": phase2.sign,
        "learn_threshold": phase2.learn_threshold,
        "anneal_epochs": anneal_epochs,
    }
    return replace(
        phase1,
        model=replace(phase1.model, activation="binary", activation_params=params),
        constraints=phase1.constraints if phase2.constraints is None else phase2.constraints,
        train=TrainConfig(
            optimizer="adam",
            lr=phase2.lr,
            batch_size=phase2.batch_size,
            epochs=max(epochs, 1),
            val_fraction=phase1.train.val_fraction if phase2.val_fraction is None else phase2.val_fraction,
            seed=phase2.seed,
        ),
    )


def transfer_weights(source: dict[str, torch.Tensor], model: Autoencoder) -> None:
    """Copy phase 1's tensors into ``model``; it may add tensors (a threshold), never lose one."""
    target = model.state_dict()
    lost = sorted(set(source) - set(target))
    if lost:
        raise CheckpointError(f"phase 2 model has no place for phase-1 tensors {lost}; keep the phase-1 constraints")
    for name, tensor in source.items():
        if tensor.shape != target[name].shape:
            raise CheckpointError(
                f"phase-1 tensor {name} has shape {tuple(tensor.shape)}, phase 2 expects {tuple(target[name].shape)}"
            )
    model.load_state_dict({**target, **source})


def frozen_parameters(model: Autoencoder, phase2: Phase2Config, fine_tuning: bool) -> list[torch.nn.Parameter]:
    """What a stage does not train: the whole encoder and threshold when fine-tuning the
    decoder alone, else the encoder's weight matrices unless ``train_encoder_weights``."""
    if fine_tuning and not phase2.finetune_encoder:
        return [*model.encoder.parameters(), *model.activation.parameters()]
    if not phase2.train_encoder_weights:
        return [w for w in model.encoder.weight_matrices() if isinstance(w, torch.nn.Parameter)]
    return []


def run_stage(config: RunConfig, state, X_BN, segment_starts, phase2: Phase2Config, fine_tuning: bool):
    model, objective = build(config)
    transfer_weights(state["model"], model)
    if state.get("objective") is not None:
        objective.load_state_dict(state["objective"])
    frozen = frozen_parameters(model, phase2, fine_tuning)
    for parameter in frozen:
        parameter.requires_grad_(False)
    history = Trainer(model, objective, config, progress=False).fit(X_BN, segment_starts=segment_starts)
    for parameter in frozen:
        parameter.requires_grad_(True)
    return model, objective, history


def discretize(
    model: Autoencoder, phase1: RunConfig, X, phase2: Phase2Config, segment_starts: list[int] | None = None
) -> Phase2Result:
    """Phase 2 on ``model`` (trained with ``phase1``) over the rows ``X`` (b, n)."""
    X_BN = torch.as_tensor(X)
    state: dict[str, Any] = {"model": model.state_dict(), "objective": None}
    history: list[dict[str, float]] = []
    stages = [(1, phase2.anneal_epochs, phase2.anneal_epochs, False), (2, 0, phase2.finetune_epochs, True)]
    for stage, anneal, epochs, fine_tuning in stages:
        if epochs == 0:
            continue
        config = stage_config(phase1, phase2, anneal, epochs)
        binary, objective, records = run_stage(config, state, X_BN, segment_starts, phase2, fine_tuning)
        state = {"model": binary.state_dict(), "objective": objective.state_dict()}
        history += [{**r, "epoch": len(history) + i, "phase2_stage": stage} for i, r in enumerate(records)]
    final_config = stage_config(phase1, phase2, 0, phase2.anneal_epochs + phase2.finetune_epochs)
    final, _ = build(final_config)
    transfer_weights(state["model"], final)
    return Phase2Result(final.eval(), final_config, history)


def phase2_record(phase2: Phase2Config, source: str) -> dict:
    """What discretize.json keeps: the phase-1 run and the phase-2 settings."""
    return {"source_run": source, "phase2": dataclasses.asdict(phase2)}
